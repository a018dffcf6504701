"""Async generators driven by asend() and athrow()."""
import asyncio


async def accumulate():
    total = 0
    while True:
        try:
            value = yield total
        except ValueError:
            total = 0
            continue
        if value is None:
            return
        total += value


async def main():
    gen = accumulate()
    await gen.asend(None)
    await gen.asend(5)
    await gen.asend(7)
    await gen.athrow(ValueError)
    try:
        await gen.asend(None)
    except StopAsyncIteration:
        pass


asyncio.run(main())
