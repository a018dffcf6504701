"""PEP 649/749: deferred annotations naming undefined names (3.14)."""
# requires: 3.14
class C:
    x: Undefined
    def m(self, a: AlsoUndefined) -> Nope:
        return a
def g(v: int) -> int:
    y: int = v + 1
    return y
print(C().m(1), g(2))
import annotationlib
print(annotationlib.get_annotations(g))
