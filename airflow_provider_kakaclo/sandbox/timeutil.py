"""Timestamps as integer epoch seconds (UTC), with the ISO-8601 ``...Z`` wire form of the vendors."""

from __future__ import annotations

import calendar
import time
from datetime import datetime, timezone

DAY_SECONDS = 86400


def to_epoch(moment: datetime) -> int:
    """Return whole epoch seconds of an aware or naive-UTC datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def iso(seconds: int | None) -> str | None:
    """Return ``YYYY-MM-DDTHH:MM:SSZ`` for epoch seconds, ``None`` for ``None``."""
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def parse_iso(text: str) -> int:
    """Parse an ISO-8601 date or date-time into epoch seconds; no zone means UTC.

    Accepts ``2022-01-07T04:04:39Z``, ``2022-01-07T04:04:39.123+08:00``, ``2022-01-07 04:04:39`` and
    ``2022-01-07``.

    :param text: the timestamp
    :return: epoch seconds (fractions dropped)
    :raises ValueError: when it is not a timestamp
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty timestamp")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return calendar.timegm(moment.timetuple())
    return int(moment.timestamp())


def day_start(seconds: int) -> int:
    """Return the epoch seconds of 00:00:00 UTC of the day holding ``seconds``."""
    return seconds - seconds % 86400
