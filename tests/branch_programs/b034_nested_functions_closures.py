"""Branches in nested functions, closures and lambdas."""


def make(limit):
    def check(x):
        if x > limit:
            return True
        return False

    def count(items):
        n = 0
        for i in items:
            if check(i):
                n += 1
        return n

    return count


counter = make(2)
counter([1, 5])
key = lambda v: v if v else 0
sorted([3, 1], key=key)
