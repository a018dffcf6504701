"""Classes defined inside functions, and functions returning new classes."""


def make_class(base_value):
    class Dynamic:
        value = base_value

        def get(self):
            return self.value

        if base_value > 10:
            def big(self):
                return True

    return Dynamic


Small = make_class(1)
Big = make_class(100)
Small().get()
Big().big()
