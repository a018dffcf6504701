"""A tiny example package that covcore's `make demo` measures."""
