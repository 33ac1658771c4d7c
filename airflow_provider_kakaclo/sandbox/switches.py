"""Named switches: every behaviour the vendor docs leave open is chosen by one of these.

A vendor declares its switches as :class:`Switch` objects; the sandbox keeps the current values of
each vendor in a :class:`SwitchBoard`. Every switch says where its default comes from: a section of
the vendor spec (documented or inferred there) or ``INVENTED`` by the sandbox.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

INVENTED = "INVENTED"


@dataclass(frozen=True)
class Switch:
    """One named behaviour switch.

    :param name: switch name, as used in the control API
    :param default: value after a reset
    :param description: what the switch changes
    :param source: spec section backing the default (e.g. ``"§4"``) or ``INVENTED``
    :param choices: allowed values, for enumerated switches
    :param kind: python type of the value (``bool``, ``int``, ``float``, ``str``) when not enumerated
    :param minimum: smallest allowed numeric value
    :param maximum: largest allowed numeric value
    """

    name: str
    default: Any
    description: str
    source: str = INVENTED
    choices: tuple[Any, ...] | None = None
    kind: type | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def invented(self) -> bool:
        """True when no spec section backs the default."""
        return self.source.startswith(INVENTED)

    def coerce(self, value: Any) -> Any:
        """Return ``value`` checked against this switch.

        :param value: the proposed value
        :return: the value to store
        :raises ValueError: when the value is not allowed
        """
        if self.choices is not None:
            if value not in self.choices:
                raise ValueError(f"switch {self.name!r} must be one of {list(self.choices)}, got {value!r}")
            return value
        kind = self.kind or type(self.default)
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"switch {self.name!r} must be true or false, got {value!r}")
            return value
        if kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"switch {self.name!r} must be a number, got {value!r}")
            if kind is int and int(value) != value:
                raise ValueError(f"switch {self.name!r} must be an integer, got {value!r}")
            value = kind(value)
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"switch {self.name!r} must be >= {self.minimum}, got {value!r}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"switch {self.name!r} must be <= {self.maximum}, got {value!r}")
            return value
        if not isinstance(value, kind):
            raise ValueError(f"switch {self.name!r} must be {kind.__name__}, got {value!r}")
        return value

    def describe(self) -> dict[str, Any]:
        """Return a JSON-able description (used by the control API and the README table)."""
        return {
            "name": self.name,
            "default": self.default,
            "choices": list(self.choices) if self.choices is not None else None,
            "source": self.source,
            "invented": self.invented,
            "description": self.description,
        }


class SwitchBoard:
    """Current switch values of one vendor; thread-safe, reset in place."""

    def __init__(self, switches: tuple[Switch, ...], overrides: dict[str, Any] | None = None) -> None:
        """Create the board with defaults, then apply ``overrides``.

        :param switches: the vendor's switch declarations
        :param overrides: initial values to apply over the defaults
        """
        self._specs = {switch.name: switch for switch in switches}
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}
        self.reset(overrides)

    def reset(self, overrides: dict[str, Any] | None = None) -> None:
        """Put every switch back to its default, then apply ``overrides``.

        :param overrides: values to apply over the defaults
        :raises ValueError: on an unknown switch or a bad value
        """
        values = {name: spec.default for name, spec in self._specs.items()}
        values.update(self._checked(overrides or {}))
        with self._lock:
            self._values = values

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some switches; all or nothing.

        :param changes: switch name to new value
        :return: all current values
        :raises ValueError: on an unknown switch or a bad value
        """
        checked = self._checked(changes)
        with self._lock:
            self._values.update(checked)
            return dict(self._values)

    def _checked(self, changes: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(changes, dict):
            raise ValueError("switches must be a JSON object")
        out = {}
        for name, value in changes.items():
            spec = self._specs.get(name)
            if spec is None:
                raise ValueError(f"unknown switch {name!r}; known: {sorted(self._specs)}")
            out[name] = spec.coerce(value)
        return out

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def values(self) -> dict[str, Any]:
        """Return a copy of the current values."""
        with self._lock:
            return dict(self._values)

    def specs(self) -> list[Switch]:
        """Return the switch declarations, in declaration order."""
        return list(self._specs.values())
