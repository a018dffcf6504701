"""asyncio.gather of several coroutines that interleave deterministically."""
import asyncio

order = []


async def worker(name, steps):
    for i in range(steps):
        order.append((name, i))
        await asyncio.sleep(0)
    return name


async def failing():
    await asyncio.sleep(0)
    raise KeyError("bad")


async def main():
    names = await asyncio.gather(worker("a", 2), worker("b", 3))
    results = await asyncio.gather(worker("c", 1), failing(), return_exceptions=True)
    return names, results


asyncio.run(main())
