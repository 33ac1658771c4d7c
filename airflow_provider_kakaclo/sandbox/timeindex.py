"""Ids ordered by a timestamp: an immutable sorted base plus a small overlay of changed ids.

Range queries cost a bisection plus the size of the answer and of the overlay, never a scan of the
whole catalog, and changing one id's time is a dict write.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator


class TimeIndex:
    """Ids sorted by ``(time, id)``; ids may move (``touch``) without rebuilding the base."""

    def __init__(self, times: array, ids: array) -> None:
        """:param times: base times, ascending
        :param ids: the id at each position of ``times`` (ties ordered by id)
        """
        self._times = times
        self._ids = ids
        self._moved: dict[int, int] = {}

    def touch(self, item: int, when: int) -> None:
        """Give ``item`` a new time.

        :param item: id
        :param when: its new time
        """
        self._moved[item] = when

    def moved(self, item: int) -> int | None:
        """Return the new time of ``item`` if it moved, else ``None``."""
        return self._moved.get(item)

    def clear(self) -> None:
        """Forget every move."""
        self._moved.clear()

    def between(self, low: int, high: int) -> list[int]:
        """Return the ids whose current time is in ``[low, high]``, ordered by ``(time, id)``.

        :param low: inclusive lower bound
        :param high: inclusive upper bound
        :return: ids
        """
        start = bisect_left(self._times, low)
        stop = bisect_right(self._times, high)
        moved = self._moved
        if not moved:
            return self._ids[start:stop].tolist()
        extra = sorted((when, item) for item, when in moved.items() if low <= when <= high)
        base: Iterator[tuple[int, int]] = (
            (self._times[pos], self._ids[pos]) for pos in range(start, stop) if self._ids[pos] not in moved
        )
        if not extra:
            return [item for _, item in base]
        return [item for _, item in heapq.merge(base, extra)]
