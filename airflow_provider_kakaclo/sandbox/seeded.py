"""Deterministic pseudo-random values derived from (seed, tag, index), without storing them.

Catalog attributes are recomputed from their index whenever needed, so a large catalog costs memory
only for what changed. ``splitmix64`` is cheap in pure Python and well mixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
_MASK = (1 << 64) - 1


def splitmix64(value: int) -> int:
    """Return the splitmix64 output for ``value`` (a 64-bit integer)."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def mix(seed: int, tag: int, index: int) -> int:
    """Return a 64-bit hash of ``(seed, tag, index)``.

    :param seed: catalog seed
    :param tag: which attribute family
    :param index: item index
    :return: 64-bit integer
    """
    return splitmix64(splitmix64((seed & _MASK) ^ (tag << 48)) ^ (index & _MASK))


class Draw:
    """A short stream of deterministic draws started from one hash."""

    __slots__ = ("_state",)

    def __init__(self, state: int) -> None:
        """:param state: starting hash, e.g. from :func:`mix`"""
        self._state = state

    def next(self) -> int:
        """Return the next 64-bit value."""
        self._state = splitmix64(self._state)
        return self._state

    def below(self, n: int) -> int:
        """Return an integer in ``[0, n)``."""
        return self.next() % n

    def chance(self, percent: int) -> bool:
        """Return True ``percent`` times in a hundred."""
        return self.below(100) < percent

    def choice(self, items: Sequence[T]) -> T:
        """Return one of ``items``."""
        return items[self.below(len(items))]
