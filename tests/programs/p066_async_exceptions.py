"""Exceptions in tasks, awaited and caught; finally in coroutines."""
import asyncio


async def explode(n):
    await asyncio.sleep(0)
    if n:
        raise RuntimeError(n)
    return n


async def careful(log):
    try:
        await explode(1)
    except RuntimeError:
        log.append("caught")
        raise
    finally:
        log.append("finally")


async def main():
    log = []
    task = asyncio.create_task(explode(0))
    await task
    try:
        await careful(log)
    except RuntimeError:
        log.append("outer")
    return log


asyncio.run(main())
