"""match with guards, mapping patterns and or-patterns with captures."""


def handle(event):
    match event:
        case {"type": "click", "x": x, "y": y} if x > 100:
            return "right side"
        case {"type": "click", "x": x}:
            return f"click at {x}"
        case {"type": "key", "key": ("q" | "Q") as key}:
            return f"quit via {key}"
        case {"type": "key", **rest} if rest:
            return f"key {rest}"
        case {"type": t} if t.startswith("x"):
            return "experimental"
        case _:
            return None


events = [
    {"type": "click", "x": 150, "y": 0},
    {"type": "click", "x": 1, "y": 0},
    {"type": "key", "key": "Q"},
    {"type": "key", "key": "a"},
    {"type": "scroll"},
]
results = [handle(e) for e in events]
