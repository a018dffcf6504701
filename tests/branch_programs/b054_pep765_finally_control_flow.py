"""PEP 765: continue, break and return in finally (warned by 3.14)."""
# requires: 3.14
def h(x):
    for i in range(3):
        try:
            if i == x:
                break
        finally:
            if i == 1:
                continue
    return i
print(h(0), h(5))
def f(x):
    try:
        if x:
            return 1
    finally:
        if x == 2:
            return 2
    return 3

def g(items):
    for i in items:
        try:
            pass
        finally:
            if i:
                break
    return items

print(f(0), f(1), g([0, 1]))
