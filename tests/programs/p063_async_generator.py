"""Async generators consumed with async for, and closed early."""
import asyncio


async def ticker(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


async def guarded(log):
    try:
        yield 1
        yield 2
    finally:
        log.append("closed")


async def main():
    seen = []
    async for t in ticker(3):
        seen.append(t)
    log = []
    agen = guarded(log)
    first = await agen.__anext__()
    await agen.aclose()
    async for v in guarded(log):
        if v == 1:
            break
    return seen, first, log


asyncio.run(main())
