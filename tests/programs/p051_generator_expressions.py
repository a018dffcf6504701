"""Generator expressions, consumed fully, partially, and never."""

numbers = range(20)
total = sum(n * n for n in numbers if n % 3 == 0)
has_big = any(n > 5 for n in numbers)
all_small = all(n < 3 for n in numbers)
first = next((n for n in numbers if n > 7), None)
missing = next((n for n in numbers if n > 100), "none")
lazy = (n for n in numbers)
joined = ",".join(
    str(n)
    for n in numbers
    if n < 4
)
