# A script file that does not exist: message on stderr, exit status 2.
out=$("$MINIVM" no_such_script.mv 2>&1)
echo "exit status: $?"
echo "$out" | sed "s|^$MINIVM:|PROG:|"
