"""Request counters per vendor: totals, by HTTP status and by ``METHOD path-template``."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

DROPPED = "dropped"
"""Status key recorded when the sandbox closed the connection instead of answering."""


class _VendorStats:
    __slots__ = ("requests", "by_status", "by_route", "by_route_status", "faults_fired")

    def __init__(self) -> None:
        self.requests = 0
        self.by_status: Counter[str] = Counter()
        self.by_route: Counter[str] = Counter()
        self.by_route_status: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.faults_fired = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_status": dict(self.by_status),
            "by_route": dict(self.by_route),
            "by_route_status": {route: dict(counts) for route, counts in self.by_route_status.items()},
            "faults_fired": self.faults_fired,
        }


class Stats:
    """Thread-safe request counters, one set per vendor."""

    def __init__(self, vendors: list[str]) -> None:
        """:param vendors: names of the vendors to count (each appears even with zero requests)"""
        self._vendors = list(vendors)
        self._lock = threading.Lock()
        self._data: dict[str, _VendorStats] = {}
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._data = {name: _VendorStats() for name in self._vendors}

    def record(self, vendor: str, route: str, status: int | str, *, fault: bool = False) -> None:
        """Count one request.

        :param vendor: vendor name
        :param route: ``"METHOD /path/template"``
        :param status: HTTP status sent, or ``"dropped"``
        :param fault: whether an injected fault answered it
        """
        key = str(status)
        with self._lock:
            stats = self._data.setdefault(vendor, _VendorStats())
            stats.requests += 1
            stats.by_status[key] += 1
            stats.by_route[route] += 1
            stats.by_route_status[route][key] += 1
            if fault:
                stats.faults_fired += 1

    def snapshot(self, vendor: str | None = None) -> dict[str, Any]:
        """Return the counters of one vendor, or of all vendors keyed by name.

        :param vendor: vendor name, or ``None`` for all
        :return: JSON-able counters
        :raises KeyError: for an unknown vendor
        """
        with self._lock:
            if vendor is not None:
                return self._data[vendor].as_dict()
            return {name: stats.as_dict() for name, stats in self._data.items()}
