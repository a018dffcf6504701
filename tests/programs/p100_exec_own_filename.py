"""Code compiled with this file's name: its lines count as this file's."""

SOURCE = "first = 1\nif first:\n    second = 2\nelse:\n    third = 3\n"
code = compile(SOURCE, __file__, "exec")
exec(code, {})


def real_function():
    return 1


real_function()
