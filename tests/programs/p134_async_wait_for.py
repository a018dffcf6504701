"""asyncio.wait_for and asyncio.wait with completed tasks."""
import asyncio


async def quick(x):
    await asyncio.sleep(0)
    return x


async def main():
    value = await asyncio.wait_for(quick(1), timeout=5)
    tasks = [asyncio.create_task(quick(i)) for i in range(3)]
    done, pending = await asyncio.wait(tasks)
    if pending:
        never = True
    return value, sorted(t.result() for t in done)


asyncio.run(main())
