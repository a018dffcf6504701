"""exec and eval of strings: the strings' code is not in this file."""

namespace = {}
exec("a = 1\nb = a + 1\nif b > 10:\n    c = 3\n", namespace)
value = eval("namespace['a'] + namespace['b']")
code = compile("x = 5\ny = x * 2", "<generated>", "exec")
scope = {}
exec(code, scope)
func_src = """
def generated(n):
    return n + 1
"""
exec(func_src, scope)
scope["generated"](1)
expr = eval(
    "[i for i in range(3)]"
)
