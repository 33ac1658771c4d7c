"""``SandboxClient``: a small ``requests`` wrapper of every ``/_sandbox/`` control route.

Generic routes (reset, switches, faults, stats) are methods here; each vendor's routes live on a
sub-client (``client.kakaclo``), so adding a vendor adds one entry to :data:`VENDOR_CLIENTS`.
"""

from __future__ import annotations

import importlib
from typing import Any

import requests

VENDOR_CLIENTS: dict[str, tuple[str, str]] = {
    "kakaclo": (".kakaclo.client", "KakaCloControl"),
    "qianyi": (".qianyi.client", "QianyiControl"),
    "birdsystem": (".birdsystem.client", "BirdSystemControl"),
}
"""vendor name -> (module relative to this package, class) of its control sub-client."""


class SandboxControlError(Exception):
    """A control route answered an error.

    :param status: HTTP status
    :param detail: the ``detail`` of the answer
    """

    def __init__(self, status: int, detail: Any) -> None:
        self.status, self.detail = status, detail
        super().__init__(f"sandbox control error {status}: {detail}")


class SandboxClient:
    """Drive a running sandbox through its control API."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, session: requests.Session | None = None) -> None:
        """:param base_url: sandbox root, e.g. ``http://127.0.0.1:8980``
        :param timeout: seconds per control call
        :param session: a session to reuse
        """
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self._vendors: dict[str, Any] = {}

    def call(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> Any:
        """Call a control route and return its JSON.

        :param method: HTTP method
        :param path: path under ``/_sandbox`` (e.g. ``"/faults"``)
        :param json: JSON body
        :param params: query parameters (``None`` values dropped)
        :return: the decoded answer
        :raises SandboxControlError: on an HTTP error
        """
        query = {key: value for key, value in (params or {}).items() if value is not None}
        response = self.session.request(method, f"{self.base_url}/_sandbox{path}", json=json, params=query,
                                         timeout=self.timeout)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text
            raise SandboxControlError(response.status_code, detail)
        return response.json() if response.content else None

    # -- vendors -----------------------------------------------------------------------------------

    def vendor_url(self, vendor: str) -> str:
        """Base URL of a vendor API (``<base>/<vendor>``)."""
        return f"{self.base_url}/{vendor}"

    def vendor(self, name: str) -> Any:
        """Return the control sub-client of a vendor."""
        if name not in self._vendors:
            module, cls = VENDOR_CLIENTS[name]
            self._vendors[name] = getattr(importlib.import_module(module, __package__), cls)(self)
        return self._vendors[name]

    @property
    def kakaclo(self) -> Any:
        """The KakaClo control sub-client (:class:`~.kakaclo.client.KakaCloControl`)."""
        return self.vendor("kakaclo")

    @property
    def qianyi(self) -> Any:
        """The Qianyi ERP control sub-client (:class:`~.qianyi.client.QianyiControl`)."""
        return self.vendor("qianyi")

    @property
    def birdsystem(self) -> Any:
        """The BirdSystem control sub-client (:class:`~.birdsystem.client.BirdSystemControl`)."""
        return self.vendor("birdsystem")

    def info(self) -> dict:
        """``GET /_sandbox/``: vendors and their prefixes."""
        return self.call("GET", "/")

    # -- reset and switches ------------------------------------------------------------------------

    def reset(self, **settings: Any) -> dict:
        """``POST /_sandbox/reset``: reset all state, faults, stats and switches.

        :param settings: overrides for this reset, e.g. ``catalog_size=500, seed=3, balance=100,
            switches={"kakaclo": {...}}, kakaclo={"tokens": [...]}``
        :return: ``{"reset": true, "switches": {...}}``
        """
        return self.call("POST", "/reset", json=settings)

    def switches(self) -> dict:
        """``GET /_sandbox/switches``: current values per vendor."""
        return self.call("GET", "/switches")

    def switch_specs(self) -> dict:
        """``GET /_sandbox/switches/spec``: every switch with default, source and description."""
        return self.call("GET", "/switches/spec")

    def set_switches(self, vendor: str, **values: Any) -> dict:
        """``PATCH /_sandbox/switches`` for one vendor: ``set_switches("kakaclo", rate_limit_enabled=False)``."""
        return self.call("PATCH", "/switches", json={vendor: values})

    def patch_switches(self, changes: dict[str, dict[str, Any]]) -> dict:
        """``PATCH /_sandbox/switches`` with ``{"<vendor>": {...}}``."""
        return self.call("PATCH", "/switches", json=changes)

    # -- faults ------------------------------------------------------------------------------------

    def add_fault(self, vendor: str, method: str | None, path: str | None, action: str, *, count: int | None = 1,
                  **params: Any) -> dict:
        """``POST /_sandbox/faults``.

        :param vendor: vendor name
        :param method: HTTP method, or ``None``/``"*"`` for any
        :param path: path relative to the vendor prefix (concrete or route template), ``None`` for any
        :param action: status, envelope, hang, delay, drop_before or drop_after_commit
        :param count: next N matching calls; ``None`` for every matching call
        :param params: action fields: status, body, headers, retry_after, code, message, seconds, style
        :return: the rule, with its id
        """
        body = {"vendor": vendor, "method": method, "path": path, "action": action, "count": count, **params}
        return self.call("POST", "/faults", json=body)

    def fail_next(self, vendor: str, method: str | None, path: str | None, *, status: int | None = None,
                  after_commit: bool = False, count: int = 1, **params: Any) -> dict:
        """Fail the next ``count`` matching calls: with HTTP ``status`` if given, else by dropping the
        connection, after processing the request when ``after_commit`` (the lost-response case).
        """
        if status is not None:
            return self.add_fault(vendor, method, path, "status", count=count, status=status, **params)
        action = "drop_after_commit" if after_commit else "drop_before"
        return self.add_fault(vendor, method, path, action, count=count, **params)

    def faults(self) -> list[dict]:
        """``GET /_sandbox/faults``: rules not used up yet."""
        return self.call("GET", "/faults")["faults"]

    def clear_faults(self, vendor: str | None = None) -> int:
        """``DELETE /_sandbox/faults``: remove rules; returns how many."""
        return self.call("DELETE", "/faults", params={"vendor": vendor})["removed"]

    # -- stats -------------------------------------------------------------------------------------

    def autopilot(self, seconds: float | None = None) -> dict:
        """Turn the autopilot on (seconds per step) or off (``None``/0) until the next reset.

        :return: ``{"seconds": ..., "on": ...}``
        """
        return self.call("PUT", "/autopilot", json={"seconds": seconds})

    def stats(self, vendor: str | None = None) -> dict:
        """``GET /_sandbox/stats``: per vendor ``requests``, ``by_status``, ``by_route``,
        ``by_route_status``, ``faults_fired`` (only that vendor's dict when ``vendor`` is given).
        """
        return self.call("GET", "/stats", params={"vendor": vendor})

    def reset_stats(self) -> None:
        """``POST /_sandbox/stats/reset``."""
        self.call("POST", "/stats/reset")
