"""Functions whose bodies are a docstring, pass, or an ellipsis."""


def doc():
    """Nothing else."""


def dots():
    ...


def passes():
    pass


class Proto:
    def method(self) -> int: ...


doc()
dots()
