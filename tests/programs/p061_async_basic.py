"""async functions awaited from asyncio.run."""
import asyncio


async def add(a, b):
    await asyncio.sleep(0)
    return a + b


async def maybe_fail(flag):
    if flag:
        raise ValueError("failed")
    return "ok"


async def main():
    total = await add(1, 2)
    total += await add(3, 4)
    try:
        await maybe_fail(True)
    except ValueError:
        total = -total
    await maybe_fail(False)
    return total


async def never_awaited():
    return 1


asyncio.run(main())
