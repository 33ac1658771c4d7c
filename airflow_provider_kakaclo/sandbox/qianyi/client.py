"""``QianyiControl``: the ``/_sandbox/qianyi/`` routes, reached as ``SandboxClient(...).qianyi``.

Besides the control routes it can make a signed call to the emulated API (:meth:`QianyiControl.post`),
which is handy in tests that do not go through the provider's hook.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .signing import signed_form


class QianyiControl:
    """Qianyi inspection, document moves, counters and faults."""

    def __init__(self, client: Any) -> None:
        """:param client: the :class:`~..client.SandboxClient`"""
        self._client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._client.call(method, f"/qianyi{path}", **kwargs)

    @property
    def url(self) -> str:
        """Base URL of the emulated API (calls go to ``<url>/api/v1/<module>``)."""
        return self._client.vendor_url("qianyi")

    # -- per-serviceType counters ------------------------------------------------------------------

    def calls(self) -> dict[str, int]:
        """``GET /_sandbox/qianyi/calls``: ``{serviceType: calls}``."""
        return self._call("GET", "/calls")

    def call_count(self, service_type: str) -> int:
        """Calls of one serviceType (0 if none)."""
        return self.calls().get(service_type, 0)

    def calls_detail(self) -> dict[str, dict]:
        """``GET /_sandbox/qianyi/calls/detail``: per serviceType calls, success, errors by code, faults."""
        return self._call("GET", "/calls/detail")

    def reset_calls(self) -> None:
        """``POST /_sandbox/qianyi/calls/reset``."""
        self._call("POST", "/calls/reset")

    # -- serviceType faults ------------------------------------------------------------------------

    def add_fault(self, service_type: str | None, action: str = "error", *, count: int | None = 1,
                  **params: Any) -> dict:
        """``POST /_sandbox/qianyi/faults``.

        :param service_type: the serviceType to hit, ``None`` for any
        :param action: ``error`` (Qianyi envelope), ``status`` (bare HTTP status) or ``delay``
        :param count: next N matching calls; ``None`` for every one
        :param params: ``layer`` (outer|biz), ``code``, ``message``, ``status``, ``body``, ``seconds``,
            ``after_commit``
        :return: the rule, with its id
        """
        return self._call("POST", "/faults", json={"service_type": service_type, "action": action, "count": count,
                                                   **params})

    def fail_next(self, service_type: str, *, code: str = "SYSTEM_ERROR", layer: str = "outer",
                  after_commit: bool = False, count: int = 1, message: str | None = None) -> dict:
        """Answer the next ``count`` calls of ``service_type`` with a Qianyi error (after processing them
        when ``after_commit``)."""
        params: dict[str, Any] = {"code": code, "layer": layer, "after_commit": after_commit}
        if message is not None:
            params["message"] = message
        return self.add_fault(service_type, "error", count=count, **params)

    def faults(self) -> list[dict]:
        """``GET /_sandbox/qianyi/faults``."""
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> int:
        """``DELETE /_sandbox/qianyi/faults``; returns how many were removed."""
        return self._call("DELETE", "/faults")["removed"]

    # -- apps ----------------------------------------------------------------------------------------

    def apps(self) -> dict[str, str]:
        """``GET /_sandbox/qianyi/apps``: ``{appId: appSecret}``."""
        return self._call("GET", "/apps")["apps"]

    def set_app(self, app_id: str, app_secret: str) -> dict[str, str]:
        """``PUT /_sandbox/qianyi/apps``: make this the only valid app."""
        return self._call("PUT", "/apps", json={"appId": app_id, "appSecret": app_secret})["apps"]

    def set_apps(self, apps: dict[str, str]) -> dict[str, str]:
        """``PUT /_sandbox/qianyi/apps`` with several apps."""
        return self._call("PUT", "/apps", json={"apps": apps})["apps"]

    # -- skus, inventory ---------------------------------------------------------------------------

    def skus(self, offset: int = 0, limit: int = 100) -> list[str]:
        """``GET /_sandbox/qianyi/skus``: SKU codes in list order."""
        return self._call("GET", "/skus", params={"offset": offset, "limit": limit})["skus"]

    def sku_count(self) -> int:
        """Number of SKUs."""
        return self._call("GET", "/skus", params={"offset": 0, "limit": 1})["total"]

    def sku(self, sku: str) -> dict:
        """``GET /_sandbox/qianyi/skus/{sku}``: the SKU as rendered, plus ``_sandbox`` times and inventory."""
        return self._call("GET", f"/skus/{sku}")

    def set_inventory(self, warehouse: str, sku: str, **quantities: int) -> dict:
        """``PUT /_sandbox/qianyi/inventory``: ``set_inventory("FBA美国", "QY-000001", available=5)``."""
        return self._call("PUT", "/inventory", json={"warehouse": warehouse, "sku": sku, **quantities})

    def inventory(self, sku: str) -> dict[str, dict]:
        """``GET /_sandbox/qianyi/inventory/{sku}``: ``{warehouse: row}``."""
        return self._call("GET", f"/inventory/{sku}")["warehouses"]

    def warehouses(self) -> list[dict]:
        return self._call("GET", "/warehouses")["warehouses"]

    def custom_fields(self) -> list[dict]:
        return self._call("GET", "/custom-fields")["customFields"]

    # -- documents -----------------------------------------------------------------------------------

    def sales_orders(self, online_order_number: str | None = None, shop: str | None = None) -> list[dict]:
        """``GET /_sandbox/qianyi/sales-orders``."""
        return self._call("GET", "/sales-orders", params={"onlineOrderNumber": online_order_number,
                                                          "shop": shop})["salesOrders"]

    def sales_order_count(self, online_order_number: str | None = None, shop: str | None = None) -> int:
        return self._call("GET", "/sales-orders", params={"onlineOrderNumber": online_order_number,
                                                          "shop": shop})["count"]

    def set_sales_order_status(self, order_number: str, status: str) -> dict:
        """``POST /_sandbox/qianyi/sales-orders/{orderNumber}/status``."""
        return self._call("POST", f"/sales-orders/{order_number}/status", json={"status": status})

    def asns(self, custom_number: str | None = None) -> list[dict]:
        """``GET /_sandbox/qianyi/asns``."""
        return self._call("GET", "/asns", params={"customNumber": custom_number})["asns"]

    def set_asn_status(self, asn_number: str, status: str) -> dict:
        """``POST /_sandbox/qianyi/asns/{asnNumber}/status`` (FINISHED receives the stock)."""
        return self._call("POST", f"/asns/{asn_number}/status", json={"status": status})

    def odos(self) -> list[dict]:
        """``GET /_sandbox/qianyi/odos``."""
        return self._call("GET", "/odos")["odos"]

    # -- a signed call to the emulated API -------------------------------------------------------

    def post(self, module: str, service_type: str, biz_param: Any, *, app_id: str = "sandbox-qianyi-app",
             app_secret: str = "sandbox-qianyi-secret", timestamp: int | None = None) -> dict:
        """Make one signed multipart call and return the outer JSON body.

        :param module: module path (``sku``, ``inventory``, ...)
        :param service_type: serviceType
        :param biz_param: a JSON-able object (serialized compactly) or the exact string to send
        :param app_id: appId
        :param app_secret: appSecret
        :param timestamp: milliseconds; now by default
        :return: the decoded outer envelope
        """
        text = biz_param if isinstance(biz_param, str) else json.dumps(biz_param, ensure_ascii=False,
                                                                     separators=(",", ":"))
        form = signed_form(app_id, app_secret, service_type, text, timestamp or int(time.time() * 1000))
        response = self._client.session.post(f"{self.url}/api/v1/{module}",
                                             files={key: (None, value) for key, value in form.items()},
                                             timeout=self._client.timeout)
        return response.json()

    def biz(self, module: str, service_type: str, biz_param: Any, **kwargs: Any) -> dict:
        """:meth:`post`, then return the parsed bizContent (raises ``RuntimeError`` on an outer failure)."""
        body = self.post(module, service_type, biz_param, **kwargs)
        if body.get("state") != "success":
            raise RuntimeError(f"qianyi outer failure: {body}")
        return json.loads(body["bizContent"])
