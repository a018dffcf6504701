"""Short-circuit and/or, where the right side sometimes never runs."""

calls = []


def t(name):
    calls.append(name)
    return True


def f(name):
    calls.append(name)
    return False


a = t("a") and f("b") and t("never")
b = f("c") or t("d") or t("never2")
c = (
    f("e")
    and t("never3")
)
d = (t("g")
     or f("never4"))


def pick(x, y):
    return x or y


if t("h") and (f("i") or t("j")):
    pick(0, 5)
if f("k") and t("never5"):
    pick(1, 2)
