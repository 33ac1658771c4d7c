"""KakaClo Open API emulation (spec: ``/work/shared/specs/kakaclo.md``), mounted at ``/kakaclo``.

Modules: ``catalog`` (seeded immutable catalog), ``state`` (the backend) with ``lifecycle`` (sandbox-only
moves) and ``records`` (orders, refunds), ``freight`` and ``pod`` (data), ``responses`` and ``parsing``
(routes and wire format), ``errors`` (vendor envelope errors), ``switches``, ``control``
(``/_sandbox/kakaclo`` routes) and ``client`` (their ``requests`` wrapper). This module stays
import-light: FastAPI is imported only when the app is built.
"""

from __future__ import annotations

from typing import Any

from ..registry import VendorSpec, lazy
from .errors import envelope
from .switches import SWITCHES

DEFAULT_TOKEN = "sandbox-kakaclo-token"


def _banner(base_url: str, backend: Any) -> list[str]:
    tokens = ", ".join(sorted(backend.tokens))
    return [f"KakaClo Open API: {base_url}  (Authorization: Bearer <{tokens}>; "
            f"{backend.catalog.size} SKUs, seed {backend.catalog.seed})"]


VENDOR = VendorSpec(
    name="kakaclo",
    prefix="/kakaclo",
    title="KakaClo Open API",
    switches=SWITCHES,
    create_backend=lazy(__name__, ".state", "KakaCloBackend"),
    create_app=lazy(__name__, ".responses", "create_vendor_app"),
    create_control_router=lazy(__name__, ".control", "create_control_router"),
    error_envelope=envelope,
    malformed_code=40000,  # what its own parser answers a body that is not JSON
    banner=_banner,
)
