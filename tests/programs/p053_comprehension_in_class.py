"""Comprehensions in a class body and in methods."""


class Palette:
    base = ["red", "green", "blue"]
    upper = [c.upper() for c in base]
    lengths = {c: len(c) for c in ["a", "bb"]}

    def filtered(self, min_len):
        return [c for c in self.base if len(c) >= min_len]

    def unused(self):
        return {c for c in self.base}


Palette().filtered(4)
