"""The program ends with an uncaught exception (exit code 1)."""


def fail(n):
    if n > 1:
        return fail(n - 1)
    raise RuntimeError("this ends the program")


before = 1
fail(3)
after = 2  # never runs
