"""Helpers for trigger tests: collect the first event of ``run()`` without sleeping on wall time."""

from __future__ import annotations

import asyncio


async def first_event(trigger, advance=None):
    """The payload of the trigger's first event; ``advance`` (a callable) runs 0.2 s in, to move the
    sandbox while the trigger waits."""
    agen = trigger.run()
    if advance:
        asyncio.get_running_loop().call_later(0.2, advance)
    event = await asyncio.wait_for(agen.__anext__(), timeout=60)  # bounds a hang only
    await agen.aclose()
    return event.payload


async def cycles_done(watch, n: int, deadline: float = 60.0) -> None:
    """Return once ``watch`` (an ``_OrderWatch``) has completed ``n`` poll cycles: the test waits for
    the event it needs, not for a wall-clock guess of how many cycles fit in a sleep. ``deadline``
    only bounds a hang (a generous one: a loaded 2-core machine is slow, never wrong)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline
    while watch.cycles < n:
        assert loop.time() < give_up, f"the watch completed {watch.cycles} of {n} cycles in {deadline:.0f} s"
        await asyncio.sleep(0.02)
