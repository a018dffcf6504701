"""A metaclass with __new__ and __call__, and __init_subclass__."""


class Registry(type):
    classes = {}

    def __new__(mcs, name, bases, namespace):
        cls = super().__new__(mcs, name, bases, namespace)
        if bases:
            mcs.classes[name] = cls
        return cls

    def __call__(cls, *args, **kwargs):
        instance = super().__call__(*args, **kwargs)
        instance.created = True
        return instance


class Base(metaclass=Registry):
    pass


class Plugin(Base):
    def __init__(self, x=1):
        self.x = x


class Hooked:
    subclasses = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Hooked.subclasses.append(cls.__name__)


class Child(Hooked):
    pass


Plugin(2)
