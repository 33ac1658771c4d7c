"""The vendor registry: what each emulated vendor plugs into the shared sandbox plumbing.

A vendor package (e.g. ``sandbox/kakaclo``) exposes ``VENDOR``, a :class:`VendorSpec`. The server
mounts its app under ``prefix``, routes faults and stats by that prefix, exposes its switches through
``/_sandbox/switches`` and its own control routes under ``/_sandbox/<name>/``. To add a vendor, write
its package and append its module to :data:`VENDOR_MODULES`.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .switches import Switch

VENDOR_MODULES: tuple[str, ...] = (".kakaclo", ".qianyi", ".birdsystem")
"""Vendor packages, relative to this package, in mount order."""

GENERIC_SETTINGS = frozenset({"seed", "catalog_size", "balance", "tokens", "anchor"})
"""Settings that may be given at the top level and apply to every vendor that understands them."""


def utc_now() -> datetime:
    """Return the current UTC time, whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class Clocks:
    """Time sources, injectable for tests.

    :param monotonic: seconds on a monotonic clock (rate limiting, waits)
    :param now: current UTC wall time (timestamps written into vendor data)
    """

    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = utc_now


@dataclass(frozen=True)
class VendorSpec:
    """What a vendor contributes to the sandbox.

    :param name: short name, used in control routes, faults and stats (``"kakaclo"``)
    :param prefix: mount path of the vendor API (``"/kakaclo"``)
    :param title: human name
    :param switches: the vendor's named switches
    :param settings: vendor-specific setting names accepted besides the generic ones
    :param create_backend: ``(settings, clocks, switchboard) -> backend``; the backend has ``reset(settings)``
    :param create_app: ``(backend, switchboard) -> ASGI app`` (a FastAPI app with the vendor routes)
    :param create_control_router: ``(backend, switchboard) -> APIRouter`` of vendor control routes
    :param error_envelope: ``(code, message) -> body`` of a vendor error (used by ``envelope`` faults)
    :param banner: ``(vendor_base_url, backend) -> lines`` printed by the command line
    :param malformed_code: the vendor code ``error_envelope`` gets for a malformed request (a body
        nested too deeply, refused by the shared middleware with HTTP 400)
    """

    name: str
    prefix: str
    title: str
    switches: tuple[Switch, ...]
    create_backend: Callable[[dict[str, Any], Clocks, Any], Any]
    create_app: Callable[[Any, Any], Any]
    error_envelope: Callable[[int, str], Any]
    create_control_router: Callable[[Any, Any], Any] | None = None
    settings: frozenset[str] = field(default_factory=frozenset)
    banner: Callable[[str, Any], list[str]] | None = None
    malformed_code: Any = 400


def lazy(package: str, module: str, name: str) -> Callable[..., Any]:
    """A factory that imports ``package.module`` only when first called, then calls ``name`` with the
    same arguments: vendor packages stay import-light (FastAPI is loaded when an app is built)."""

    def factory(*args: Any) -> Any:
        return getattr(importlib.import_module(module, package), name)(*args)

    factory.__qualname__ = f"lazy({module}.{name})"
    return factory


def load_vendors() -> list[VendorSpec]:
    """Import every vendor package of :data:`VENDOR_MODULES` and return their specs."""
    return [importlib.import_module(module, __package__).VENDOR for module in VENDOR_MODULES]


def vendor_settings(settings: dict[str, Any], spec: VendorSpec) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split sandbox settings into one vendor's own settings and switch overrides.

    Top-level generic settings apply to every vendor; a section named after the vendor overrides them.
    Switches come from ``settings["switches"][vendor]`` and ``settings[vendor]["switches"]``.

    :param settings: the sandbox settings
    :param spec: the vendor
    :return: ``(vendor_settings, switch_overrides)``
    :raises ValueError: on an unknown setting
    """
    section = settings.get(spec.name) or {}
    if not isinstance(section, dict):
        raise ValueError(f"settings[{spec.name!r}] must be an object")
    allowed = GENERIC_SETTINGS | spec.settings | {"switches"}
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ValueError(f"unknown {spec.name} settings {unknown}; known: {sorted(allowed)}")
    own = {key: value for key, value in settings.items() if key in GENERIC_SETTINGS}
    own.update({key: value for key, value in section.items() if key != "switches"})
    switches = dict((settings.get("switches") or {}).get(spec.name) or {})
    switches.update(section.get("switches") or {})
    return own, switches
