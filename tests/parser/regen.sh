#!/bin/sh
# Regenerate expected.txt (ast.dump of each case, or its SyntaxError: type, msg, lineno, offset,
# end_lineno, end_offset) and expected_pos.txt (ast.dump(include_attributes=True), "-" for errors)
# from cases.txt, with CPython 3.11 (the reference: /usr/bin/python3).  Cases are separated by
# lines "#----".  Where minivm deliberately differs, OVERRIDES below gives its expected output.
cd "$(dirname "$0")" && exec /usr/bin/python3 - <<'PY'
import ast, warnings
warnings.simplefilter('ignore')
OVERRIDES = {
    # minivm has no complex type
    'x = 3j\n': "ERR SyntaxError 'complex numbers are not supported by minivm' 1 5 1 7",
}
src = open('cases.txt', encoding='utf-8').read()
cases = src.split('\n#----\n')
out, pos = [], []
for c in cases:
    if not c.endswith('\n'):
        c += '\n'
    if c in OVERRIDES:
        out.append(OVERRIDES[c]); pos.append('-')
        continue
    try:
        t = ast.parse(c)
        out.append(ast.dump(t))
        pos.append(ast.dump(t, include_attributes=True))
    except SyntaxError as e:
        out.append('ERR %s %r %s %s %s %s' % (type(e).__name__, e.msg, e.lineno, e.offset, e.end_lineno, e.end_offset))
        pos.append('-')
open('expected.txt', 'w', encoding='utf-8').write('\n'.join(out) + '\n')
open('expected_pos.txt', 'w', encoding='utf-8').write('\n'.join(pos) + '\n')
PY
