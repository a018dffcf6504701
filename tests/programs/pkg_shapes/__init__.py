"""Helper package for p106: shapes."""
from .geometry import area, perimeter

__all__ = ["area", "perimeter"]
