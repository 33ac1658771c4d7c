"""Qianyi ERP Open API emulation (spec: ``/work/shared/specs/qianyi.md``), mounted at ``/qianyi``.

Calls are ``POST /qianyi/api/v1/{module}`` form posts (``appId``, ``serviceType``, ``bizParam``,
``timestamp``, ``sign``). Modules: ``catalog`` (seeded data), ``state`` (the backend), ``fields``
(bizParam tables and checks), ``services`` (one handler per serviceType), ``responses`` (form, signature,
envelope), ``signing``, ``errors``, ``switches``, ``control`` (``/_sandbox/qianyi`` routes) and ``client``
(their ``requests`` wrapper, ``SandboxClient(...).qianyi``). This module stays import-light: FastAPI is
imported only when the app is built.
"""

from __future__ import annotations

from typing import Any

from ..registry import VendorSpec, lazy
from .errors import envelope
from .switches import SWITCHES

DEFAULT_APP_ID = "sandbox-qianyi-app"
DEFAULT_APP_SECRET = "sandbox-qianyi-secret"


def _banner(base_url: str, backend: Any) -> list[str]:
    apps = ", ".join(f"{app_id}/{secret}" for app_id, secret in sorted(backend.apps.items()))
    return [f"Qianyi ERP Open API: {base_url}/api/v1/<module>  (appId/appSecret {apps}; "
            f"{backend.sku_count} SKUs, seed {backend.seed})"]


VENDOR = VendorSpec(
    name="qianyi",
    prefix="/qianyi",
    title="Qianyi ERP Open API",
    switches=SWITCHES,
    create_backend=lazy(__name__, ".state", "QianyiBackend"),
    create_app=lazy(__name__, ".responses", "create_vendor_app"),
    create_control_router=lazy(__name__, ".control", "create_control_router"),
    error_envelope=envelope,
    malformed_code="DATA_INPUT_ERROR",  # what its own parser answers a body that is not JSON
    settings=frozenset({"sku_count", "apps", "app_id", "app_secret", "odo_count", "asn_count"}),
    banner=_banner,
)
