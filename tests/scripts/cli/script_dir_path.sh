# sys.path[0] is the script's directory; a sibling module next to the script is importable.
tmp=$(mktemp -d)
mkdir "$tmp/app"
cat > "$tmp/app/main.mv" <<'PY'
import sys, os
import sibling
print(os.path.basename(sys.path[0]), sibling.NAME)
PY
echo 'NAME = "sibling module"' > "$tmp/app/sibling.mv"
"$MINIVM" "$tmp/app/main.mv"
(cd "$tmp" && "$MINIVM" app/main.mv)
rm -rf "$tmp"
