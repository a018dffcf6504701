"""concurrent.futures.ThreadPoolExecutor with map and submit."""
import concurrent.futures


def square(x):
    return x * x


def might_fail(x):
    if x < 0:
        raise ValueError(x)
    return x


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    squares = list(pool.map(square, range(5)))
    future = pool.submit(might_fail, -1)
    try:
        future.result()
    except ValueError:
        failed = True
