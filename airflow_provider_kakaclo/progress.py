"""Progress of long work (stock syncs, SKU upserts, order batches), logged at intervals.

A line every ``every`` seconds says how much is done, the rate, and (when the total is known) how
much is left and about how long it will take, so a task that runs for an hour at the vendor's rate
limit is never silent. Pure bookkeeping: the clock is injectable and nothing here does I/O but log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

#: Seconds between two progress lines of one task.
DEFAULT_EVERY = 30.0


class Progress:
    """Counts done units and logs ``done / total, rate, time left`` at most every ``every`` seconds."""

    def __init__(self, log: logging.Logger | Any, what: str, *, unit: str = "rows", total: int | None = None,
                 every: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """:param log: the task's logger
        :param what: what is being done (e.g. ``"stock sync kakaclo_default -> vendor_stock"``)
        :param unit: what is counted
        :param total: how many there are, when known
        :param every: seconds between two lines (default :data:`DEFAULT_EVERY`)
        :param clock: monotonic clock (tests inject one)
        """
        self.log, self.what, self.unit, self.total, self.clock = log, what, unit, total, clock
        self.every = DEFAULT_EVERY if every is None else every
        self.done = 0
        self.started = clock()
        self._last = self.started

    def add(self, count: int = 1) -> None:
        """Count ``count`` more units done; log a line when ``every`` seconds have passed since the last."""
        self.done += count
        now = self.clock()
        if now - self._last >= self.every:
            self._last = now
            self.log.info("%s", self.line(now))

    def line(self, now: float | None = None) -> str:
        """The progress sentence as of ``now``."""
        elapsed = max(1e-9, (self.clock() if now is None else now) - self.started)
        rate = self.done / elapsed
        if self.total:
            left = max(0, self.total - self.done)
            eta = f", about {duration(left / rate)} left" if rate > 0 and left else ""
            share = f" ({100 * self.done / self.total:.0f}%)"
            return f"{self.what}: {self.done:,}/{self.total:,} {self.unit}{share}, {rate:,.1f} {self.unit}/s{eta}"
        return f"{self.what}: {self.done:,} {self.unit} so far, {rate:,.1f} {self.unit}/s"


def duration(seconds: float) -> str:
    """``75`` -> ``'1 min 15 s'``; ``4000`` -> ``'1 h 6 min'``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
