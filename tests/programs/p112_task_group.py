# requires: 3.11
"""asyncio.TaskGroup and asyncio.timeout (Python 3.11+)."""
import asyncio


async def job(n):
    await asyncio.sleep(0)
    if n == 2:
        raise ValueError(n)
    return n


async def main():
    async with asyncio.TaskGroup() as tg:
        t1 = tg.create_task(job(0))
        t2 = tg.create_task(job(1))
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(job(2))
    except* ValueError:
        failed = True
    async with asyncio.timeout(10):
        await job(3)
    return t1.result() + t2.result(), failed


asyncio.run(main())
