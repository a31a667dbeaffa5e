# sys.argv for a script with arguments, and a script given by a relative path in a subdirectory.
tmp=$(mktemp -d)
cat > "$tmp/show.mv" <<'PY'
import sys
print(sys.argv[1:])
print(len(sys.argv))
PY
"$MINIVM" "$tmp/show.mv" one "two words" --flag -x=3 ''
cd "$tmp" && mkdir sub && cp show.mv sub/ && "$MINIVM" sub/show.mv z
rm -rf "$tmp"
