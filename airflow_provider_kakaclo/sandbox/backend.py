"""What every vendor backend starts with: clocks, switches, a lock, per-credential rate buckets."""

from __future__ import annotations

import threading
from typing import Any

from .ratelimit import LeakyBuckets
from .registry import Clocks
from .switches import SwitchBoard
from .timeutil import day_start, parse_iso, to_epoch


class ControlError(Exception):
    """A control-API request that cannot be carried out; ``status`` is the HTTP status to answer
    (409, not allowed now, unless the raise or a vendor's subclass says otherwise)."""

    status = 409

    def __init__(self, message: str, status: int | None = None) -> None:
        if status is not None:
            self.status = status
        super().__init__(message)


class VendorBackend:
    """Base of the vendor backends (moto's ``BaseBackend`` in spirit): subclasses define ``reset``.

    :param settings: the vendor's settings (see the subclass's ``reset``)
    :param clocks: time sources
    :param switches: the vendor's switch values
    """

    def __init__(self, settings: dict[str, Any], clocks: Clocks, switches: SwitchBoard) -> None:
        self.clocks = clocks
        self.switches = switches
        self._lock = threading.RLock()
        self.buckets = LeakyBuckets(clocks.monotonic)
        self.reset(settings)

    def reset(self, settings: dict[str, Any] | None = None) -> None:
        raise NotImplementedError

    def seed_anchor(self, settings: dict[str, Any]) -> int:
        """The epoch second the seeded data is dated from: ``settings["anchor"]`` (ISO time or epoch
        seconds), or the start of today.

        :raises ValueError: when it is neither
        """
        anchor = settings.get("anchor")
        if anchor is None:
            return day_start(to_epoch(self.clocks.now()))
        if isinstance(anchor, str):
            return parse_iso(anchor)
        if isinstance(anchor, bool) or not isinstance(anchor, int):
            raise ValueError("anchor must be an ISO time or epoch seconds")
        return anchor
