"""__getattr__, __getattribute__-free proxies and properties that raise."""


class Proxy:
    def __init__(self, target):
        self._target = target

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._target, name)


class Lazy:
    @property
    def broken(self):
        raise RuntimeError("no value")

    @property
    def fine(self):
        return 1


p = Proxy("text")
p.upper()
hasattr(p, "_secret")
lazy = Lazy()
lazy.fine
try:
    lazy.broken
except RuntimeError:
    pass
has_broken = hasattr(Lazy, "broken")
