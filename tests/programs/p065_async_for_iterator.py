"""async for over a class implementing __aiter__/__anext__."""
import asyncio


class Countdown:
    def __init__(self, start):
        self.current = start

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.current <= 0:
            raise StopAsyncIteration
        await asyncio.sleep(0)
        self.current -= 1
        return self.current


async def main():
    values = []
    async for v in Countdown(3):
        values.append(v)
    else:
        values.append("done")
    async for v in Countdown(0):
        values.append("never")
    return values


asyncio.run(main())
