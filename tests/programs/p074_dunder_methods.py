"""Special methods called implicitly by operators and builtins."""


class Vector:
    def __init__(self, *coords):
        self.coords = list(coords)

    def __repr__(self):
        return f"Vector({', '.join(map(str, self.coords))})"

    def __len__(self):
        return len(self.coords)

    def __getitem__(self, i):
        return self.coords[i]

    def __iter__(self):
        return iter(self.coords)

    def __eq__(self, other):
        if not isinstance(other, Vector):
            return NotImplemented
        return self.coords == other.coords

    def __hash__(self):
        return hash(tuple(self.coords))

    def __add__(self, other):
        return Vector(*(a + b for a, b in zip(self, other)))

    def __bool__(self):
        return any(self.coords)

    def __contains__(self, item):
        return item in self.coords

    def __mul__(self, k):
        return Vector(*(k * c for c in self))


v = Vector(1, 2)
w = v + Vector(3, 4)
text = repr(w)
same = v == Vector(1, 2)
other = v == 5
if Vector(0, 0):
    never = True
found = 2 in v
n = len(v)
