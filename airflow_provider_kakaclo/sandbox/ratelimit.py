"""A leaky bucket per key (e.g. per access token), on an injectable monotonic clock."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class LeakyBuckets:
    """Leaky buckets keyed by a string; a request that does not fit is refused and not added.

    The level of a bucket drains continuously at ``leak_per_second``; a request fits when the level
    plus one does not exceed ``capacity``.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """:param clock: monotonic clock in seconds"""
        self._clock = clock
        self._lock = threading.Lock()
        self._levels: dict[str, tuple[float, float]] = {}  # key -> (level, at)

    def reset(self) -> None:
        """Empty every bucket."""
        with self._lock:
            self._levels.clear()

    def try_acquire(self, key: str, capacity: int, leak_per_second: float) -> float | None:
        """Add one request to the bucket of ``key`` if it fits.

        :param key: bucket key
        :param capacity: bucket size in requests
        :param leak_per_second: drain rate in requests per second
        :return: ``None`` when accepted, otherwise the seconds until one request would fit
        """
        with self._lock:  # the clock is read under the lock: a bucket's time never goes backwards
            now = self._clock()
            level, at = self._levels.get(key, (0.0, now))
            now = max(at, now)
            level = max(0.0, level - (now - at) * leak_per_second)
            if level + 1.0 > capacity + 1e-9:
                self._levels[key] = (level, now)
                if leak_per_second <= 0:
                    return math.inf
                return (level + 1.0 - capacity) / leak_per_second
            self._levels[key] = (level + 1.0, now)
            return None

    def level(self, key: str, leak_per_second: float) -> float:
        """Return the current level of ``key``'s bucket (for inspection).

        :param key: bucket key
        :param leak_per_second: drain rate in requests per second
        :return: requests currently in the bucket
        """
        now = self._clock()
        with self._lock:
            level, at = self._levels.get(key, (0.0, now))
            return max(0.0, level - max(0.0, now - at) * leak_per_second)
