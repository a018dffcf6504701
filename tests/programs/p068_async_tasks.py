"""Tasks created up front, a queue between producer and consumer."""
import asyncio


async def producer(queue, n):
    for i in range(n):
        await queue.put(i)
    await queue.put(None)


async def consumer(queue, out):
    while True:
        item = await queue.get()
        if item is None:
            break
        out.append(item)


async def main():
    queue = asyncio.Queue()
    out = []
    tasks = [
        asyncio.create_task(producer(queue, 3)),
        asyncio.create_task(consumer(queue, out)),
    ]
    for t in tasks:
        await t
    return out


asyncio.run(main())
