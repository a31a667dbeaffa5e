# Tracebacks of a script given by a relative path show the absolute path of the file.
tmp=$(mktemp -d)
mkdir "$tmp/sub"
printf 'def f():\n    return 1 / 0\nf()\n' > "$tmp/sub/boom.mv"
cd "$tmp" && "$MINIVM" sub/boom.mv 2>&1 | sed "s|$tmp|TMP|"
echo "exit status: ${PIPESTATUS[0]}"
rm -rf "$tmp"
