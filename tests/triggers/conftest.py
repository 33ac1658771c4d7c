"""Helpers for trigger tests: collect the first event of ``run()`` without sleeping on wall time."""

from __future__ import annotations

import asyncio


async def first_event(trigger, advance=None):
    """The payload of the trigger's first event; ``advance`` (a callable) runs 0.2 s in, to move the
    sandbox while the trigger waits."""
    agen = trigger.run()
    if advance:
        asyncio.get_running_loop().call_later(0.2, advance)
    event = await asyncio.wait_for(agen.__anext__(), timeout=20)
    await agen.aclose()
    return event.payload
