"""async def with branches, async for, async with."""
import asyncio


class Ctx:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class Counter:
    def __init__(self, n):
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.n <= 0:
            raise StopAsyncIteration
        self.n -= 1
        return self.n


async def work(n):
    total = 0
    async with Ctx():
        async for i in Counter(n):
            if i == 1:
                continue
            total += i
        else:
            total += 100
    if total > 1000:
        return -1
    return total


asyncio.run(work(3))
