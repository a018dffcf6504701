"""Code running in class bodies, including conditionals."""
import sys

FLAG = True


class Config:
    debug = False
    if FLAG:
        mode = "on"
    else:
        mode = "off"
    values = []
    for i in range(3):
        values.append(i)
    del i

    if sys.version_info < (3, 0):
        legacy = True

    def method(self):
        return self.mode


class Outer:
    class Inner:
        value = 1

        def get(self):
            return self.value

    def make(self):
        return self.Inner()


Outer().make().get()
