# minivm -c CODE: runs the code, sys.argv[0] is "-c", following args are passed on.
"$MINIVM" -c 'print(1 + 1)'
"$MINIVM" -c 'import sys; print(sys.argv)' a b "c d"
"$MINIVM" -c 'print("multi")
for i in range(3):
    print(i)'
"$MINIVM" -c 'import sys; sys.exit(5)'
echo "exit status: $?"
"$MINIVM" -c ''
echo "empty program: $?"
