"""Class decorators that add methods and register classes."""

REGISTRY = {}


def register(cls):
    REGISTRY[cls.__name__] = cls
    return cls


def with_repr(cls):
    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{cls.__name__}({fields})"
    cls.__repr__ = __repr__
    return cls


def singleton(cls):
    instances = {}

    def get(*args):
        if cls not in instances:
            instances[cls] = cls(*args)
        return instances[cls]
    return get


@register
@with_repr
class User:
    def __init__(self, name):
        self.name = name


@singleton
class Settings:
    def __init__(self):
        self.values = {}


repr(User("x"))
Settings()
Settings()
