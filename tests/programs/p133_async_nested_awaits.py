"""Deep await chains, await in conditions, and returning from async with."""
import asyncio


async def leaf(n):
    await asyncio.sleep(0)
    return n


async def branch(n):
    if await leaf(n) > 1:
        return await leaf(n - 1) + await branch(n - 1)
    return await leaf(n)


class Lock:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


async def locked():
    async with Lock():
        return await leaf(1)


async def main():
    return await branch(3), await locked()


asyncio.run(main())
