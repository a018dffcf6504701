"""An exception that escapes the program, from inside a branch."""


def fail(x):
    if x:
        raise RuntimeError("boom")
    return x


fail(0)
for i in range(3):
    if i == 2:
        fail(i)
