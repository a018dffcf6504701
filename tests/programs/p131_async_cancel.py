"""Cancelling a task: CancelledError seen by the coroutine's try/finally."""
import asyncio

log = []


async def sleeper():
    try:
        while True:
            await asyncio.sleep(0)
            log.append("tick")
    except asyncio.CancelledError:
        log.append("cancelled")
        raise
    finally:
        log.append("cleanup")


async def main():
    task = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log.append("main saw it")


asyncio.run(main())
