"""With both partial-branch settings empty, every line counts as "no branch"."""


def f(x):
    if x:
        return 1
    while x:
        x -= 1
    return 0


f(0)
