"""match statements where no case matches, and match at module level."""
import sys

value = sys.version_info[0]
match value:
    case 2:
        result = "old"
    case 4:
        result = "future"

match (value, "x"):
    case (3, label):
        result = label
    case _:
        result = None


def nothing_matches(x):
    match x:
        case [1, 2]:
            return "pair"
        case {"k": _}:
            return "map"
    return "fell through"


nothing_matches(5)
nothing_matches([1, 2])
