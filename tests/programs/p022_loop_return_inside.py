"""Returns from inside loops and nested loops."""


def index_of(matrix, value):
    for i, row in enumerate(matrix):
        for j, cell in enumerate(row):
            if cell == value:
                return i, j
    return None


def first_negative(values):
    i = 0
    while i < len(values):
        if values[i] < 0:
            return i
        i += 1


index_of([[1, 2], [3]], 3)
index_of([[1, 2], [3]], 9)
first_negative([1, -2])
first_negative([1, 2])
