"""async with: an async context manager class and asynccontextmanager."""
import asyncio
import contextlib


class Session:
    def __init__(self):
        self.events = []

    async def __aenter__(self):
        await asyncio.sleep(0)
        self.events.append("enter")
        return self

    async def __aexit__(self, exc_type, exc, tb):
        self.events.append("exit")
        return exc_type is KeyError


@contextlib.asynccontextmanager
async def connection(name):
    await asyncio.sleep(0)
    try:
        yield name.upper()
    finally:
        await asyncio.sleep(0)


async def main():
    async with Session() as s:
        s.events.append("body")
    async with Session():
        raise KeyError("suppressed")
    async with connection("db") as conn:
        name = conn
    return name


asyncio.run(main())
