# Every teaching example in examples/ runs to the end without a traceback (but unpicklable.mv,
# whose lesson is one), under minivm as under CPython.  Their output is timing-dependent, so only
# the status is compared.  Small arguments keep the whole run short; thread_loops.mv (the seed's
# program as written: 6 s of sleeps, no arguments) is left out.
examples=../../../examples
declare -A args=(
    [async_echo.mv]="10 10" [async_sleep.mv]="1000" [countdown.mv]="200000"
    [countdown_processes.mv]="200000" [countdown_threads.mv]="200000 --one-cpu" [io_threads.mv]="10"
    [threads_vs_coroutines.mv]="1000"
)
for f in "$examples"/*.mv; do
    name=$(basename "$f")
    [ "$name" = thread_loops.mv ] && continue
    # shellcheck disable=SC2086
    "$MINIVM" "$f" ${args[$name]} >/dev/null 2>"${TMPDIR:-/tmp}/mv_example_$$.err"
    status=$?
    if [ "$status" -eq 0 ] && { [ "$name" = unpicklable.mv ] || ! grep -q Traceback "${TMPDIR:-/tmp}/mv_example_$$.err"; }; then
        echo "ok $name"
    else
        echo "FAILED $name (status $status)"
        cat "${TMPDIR:-/tmp}/mv_example_$$.err"
    fi
done
rm -f "${TMPDIR:-/tmp}/mv_example_$$.err"
