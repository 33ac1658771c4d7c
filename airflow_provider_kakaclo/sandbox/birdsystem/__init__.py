"""BirdSystem client API emulation (spec: ``/work/shared/specs/birdsystem.md``), mounted at ``/birdsystem``.

Modules: ``catalog`` (reference data and seeded products), ``state`` (the backend), ``listing`` (ExtJS
paging and filters), ``parsing`` and ``forms`` (request bodies and fields), ``responses`` (routes, rows,
header auth, error rendering), ``errors`` (``{"success": false, "message"}``), ``switches``, ``control``
(``/_sandbox/birdsystem`` routes) and ``client`` (their ``requests`` wrapper). This module stays
import-light: FastAPI is imported only when the app is built.
"""

from __future__ import annotations

from typing import Any

from ..registry import VendorSpec, lazy
from .catalog import DEFAULT_COMPANY_ID
from .errors import envelope
from .switches import SWITCHES

DEFAULT_API_KEY = "sandbox-birdsystem-key"
__all__ = ["DEFAULT_API_KEY", "DEFAULT_COMPANY_ID", "VENDOR"]


def _banner(base_url: str, backend: Any) -> list[str]:
    keys = ", ".join(sorted(backend.api_keys))
    companies = ", ".join(str(c) for c in sorted(backend.company_ids))
    return [f"BirdSystem client API: {base_url}/client  (headers api_key: <{keys}>, company_id: <{companies}>; "
            f"{len(backend.products)} products, seed {backend.seed})"]


VENDOR = VendorSpec(
    name="birdsystem",
    prefix="/birdsystem",
    title="BirdSystem client API",
    switches=SWITCHES,
    create_backend=lazy(__name__, ".state", "BirdSystemBackend"),
    create_app=lazy(__name__, ".responses", "create_vendor_app"),
    create_control_router=lazy(__name__, ".control", "create_control_router"),
    error_envelope=envelope,
    settings=frozenset({"product_count", "api_keys", "company_ids"}),
    banner=_banner,
)
