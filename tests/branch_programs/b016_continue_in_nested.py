"""continue in nested loops and while loops."""


def odd_sum(rows):
    total = 0
    for row in rows:
        i = 0
        while i < len(row):
            i += 1
            if row[i - 1] % 2 == 0:
                continue
            total += row[i - 1]
        if not row:
            continue
        total += 1
    return total


odd_sum([[1, 2, 3], [4]])
