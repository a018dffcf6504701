"""String formatting: %, format(), f-strings, __format__ and __str__."""


class Celsius:
    def __init__(self, degrees):
        self.degrees = degrees

    def __format__(self, spec):
        if spec == "f":
            return f"{self.degrees * 9 / 5 + 32:.1f}F"
        return f"{self.degrees}C"

    def __str__(self):
        return "Celsius()"


t = Celsius(100)
a = f"{t}"
b = f"{t:f}"
c = "%s and %d" % ("x", 3)
d = "{0}-{name}".format(1, name="n")
e = str(t)
width = 8
g = f"{'right':>{width}}|{3.14159:.2f}|{width!r}"
