"""Imports inside functions, an empty package __init__, and a failed import."""
# uses: pkg_empty


def get_value():
    from pkg_empty import lazy
    return lazy.compute()


def optional_dependency():
    try:
        import a_module_that_does_not_exist  # noqa: F401
    except ImportError:
        return None
    return "found"


get_value()
get_value()
optional_dependency()
