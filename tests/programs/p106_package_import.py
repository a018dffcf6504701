"""Measurement across files: a helper package imported from this program."""
# uses: pkg_shapes
import pkg_shapes

total = pkg_shapes.area("square", 3) + pkg_shapes.area("circle", 1)
try:
    pkg_shapes.area("hexagon", 1)
except ValueError:
    pass
