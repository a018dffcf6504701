"""Class bodies with branches, and a module that ends in a branch."""
import sys


class Config:
    if sys.version_info >= (3, 0):
        mode = "py3"
    else:
        mode = "py2"
    for name in ("a", "b"):
        pass
    try:
        import nonexistent_module_xyz
    except ImportError:
        missing = True


class Empty:
    pass


if len(sys.argv) > 5:
    print("many arguments")
