"""Functions defined inside functions, some never called."""


def outer(x):
    def double(y):
        return y * 2

    def never(y):
        return y - 1

    def helper():
        def deepest():
            return 42
        return deepest() + double(x)

    return helper()


outer(3)
outer(4)
