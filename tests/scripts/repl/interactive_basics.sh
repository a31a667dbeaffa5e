# The prompt without a terminal (minivm -i: prompts on stderr, as CPython): expressions echoed
# by repr and kept in _, multi-line blocks ended by an empty line, open brackets, backslash and
# triple-quoted continuation, tracebacks that leave you at the prompt, exit's repr.
"$MINIVM" -i -c 'z = 1' <<'IN'
1 + 2
_
_ * 10
z
x = [1,
  2,
  3]
x
def f(n):
    return n * 2

f(21)
for i in range(3):
    print(i)

if 1:
    y = 5
else:
    y = 6

y
1/0
print("still here")
1 +
'''abc

def'''
None
"s"
(1,

2)
class A:
    def m(self):
        return 'm'

A().m()
try:
    1/0
except ZeroDivisionError as e:
    print('caught', e)

x = 1 + \
 2
x
exit
undefined_name
def g():
    return undefined_name

g()
IN
echo "exit status: $?"
