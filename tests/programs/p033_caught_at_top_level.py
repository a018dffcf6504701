"""Exceptions raised deep down and caught by module-level code."""
import json


def load(text):
    return json.loads(text)


try:
    load("{bad json")
except json.JSONDecodeError as exc:
    position = exc.pos
except Exception:
    position = None
else:
    position = -1

try:
    load('{"ok": 1}')
except ValueError:
    never = True
finally:
    done = True

try:
    {}["missing"]
except LookupError:
    pass
