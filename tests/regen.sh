#!/usr/bin/env bash
# tests/regen.sh: regenerates the expected files (NAME.out, NAME.err, NAME.rc) of the script
# tests with the reference CPython (/usr/bin/python3, or $MINIVM_REFERENCE_PYTHON), running each
# test exactly as tests/run.sh runs minivm (same directory, arguments, stdin, @DIR@ substitution).
#   tests/regen.sh                 every test
#   tests/regen.sh -k strings/     only matching tests (extended regex on "area/name.mv")
# Review the changes with `git diff tests/scripts` before committing them.
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" --regen "$@"
