"""Async comprehensions and await inside comprehensions."""
import asyncio


async def agen(n):
    for i in range(n):
        yield i


async def double(x):
    await asyncio.sleep(0)
    return x * 2


async def main():
    squares = [i * i async for i in agen(4)]
    evens = {i async for i in agen(6) if i % 2 == 0}
    doubled = [await double(x) for x in range(3)]
    return squares, evens, doubled


asyncio.run(main())
