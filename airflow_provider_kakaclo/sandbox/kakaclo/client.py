"""``KakaCloControl``: the ``/_sandbox/kakaclo/`` routes, reached as ``SandboxClient(...).kakaclo``."""

from __future__ import annotations

from typing import Any


class KakaCloControl:
    """KakaClo inspection and lifecycle calls."""

    def __init__(self, client: Any) -> None:
        """:param client: the :class:`~..client.SandboxClient`"""
        self._client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._client.call(method, f"/kakaclo{path}", **kwargs)

    @property
    def url(self) -> str:
        """Base URL of the emulated KakaClo API."""
        return self._client.vendor_url("kakaclo")

    # -- orders and refunds ------------------------------------------------------------------------

    def orders(self, custom_order_id: str | None = None) -> list[dict]:
        """``GET /_sandbox/kakaclo/orders[?customOrderId=]``: raw orders, oldest first."""
        return self._call("GET", "/orders", params={"customOrderId": custom_order_id})["orders"]

    def order_count(self, custom_order_id: str | None = None) -> int:
        """Number of orders (with this customOrderId)."""
        return self._call("GET", "/orders", params={"customOrderId": custom_order_id})["count"]

    def order(self, order_id: int | str) -> dict:
        """``GET /_sandbox/kakaclo/orders/{id}``."""
        return self._call("GET", f"/orders/{order_id}")

    def advance_order(self, order_id: int | str, to: str, *, items: list[str] | None = None,
                      carrier: str | None = None, tracking_code: str | None = None) -> dict:
        """``POST /_sandbox/kakaclo/orders/{id}/advance``.

        :param to: paid, partially_shipped, fully_shipped, delivered (or completed), cancelled, abnormal, recover
        :param items: partially_shipped: item ids to put in the package (default: the first open item)
        """
        body: dict[str, Any] = {"to": to}
        if items is not None:
            body["items"] = items
        if carrier is not None:
            body["carrier"] = carrier
        if tracking_code is not None:
            body["trackingCode"] = tracking_code
        return self._call("POST", f"/orders/{order_id}/advance", json=body)

    def refunds(self, order_id: int | str | None = None) -> list[dict]:
        """``GET /_sandbox/kakaclo/refunds[?orderId=]``."""
        return self._call("GET", "/refunds", params={"orderId": order_id})["refunds"]

    def resolve_refund(self, refund_no: int | str, outcome: str = "refund_successfully") -> dict:
        """``POST /_sandbox/kakaclo/refunds/{refundNo}/resolve`` (refund_successfully | refund_failed)."""
        return self._call("POST", f"/refunds/{refund_no}/resolve", json={"outcome": outcome})

    # -- balance, stock, catalog ---------------------------------------------------------------------

    def balance(self) -> float:
        """``GET /_sandbox/kakaclo/balance``."""
        return self._call("GET", "/balance")["balance"]

    def set_balance(self, amount: float | str) -> float:
        """``PUT /_sandbox/kakaclo/balance``."""
        return self._call("PUT", "/balance", json={"balance": amount})["balance"]

    def set_stock(self, sku: str, warehouse_code: str, qty: int) -> dict:
        """``PUT /_sandbox/kakaclo/stock``; returns the SKU's state."""
        return self._call("PUT", "/stock", json={"sku": sku, "warehouseCode": warehouse_code, "qty": qty})

    def sku(self, sku: str) -> dict:
        """``GET /_sandbox/kakaclo/skus/{sku}``: skuStatus and stock per warehouse."""
        return self._call("GET", f"/skus/{sku}")

    def set_sku_status(self, sku: str, status: int) -> dict:
        """``PUT /_sandbox/kakaclo/skus/{sku}/status``."""
        return self._call("PUT", f"/skus/{sku}/status", json={"skuStatus": status})

    def skus(self, offset: int = 0, limit: int = 100, status: int | None = None) -> list[str]:
        """``GET /_sandbox/kakaclo/skus``: catalog SKU codes (optionally only a skuStatus)."""
        return self._call("GET", "/skus", params={"offset": offset, "limit": limit, "status": status})["skus"]

    # -- tokens ------------------------------------------------------------------------------------

    def tokens(self) -> list[str]:
        """``GET /_sandbox/kakaclo/tokens``."""
        return self._call("GET", "/tokens")["tokens"]

    def set_tokens(self, tokens: list[str]) -> list[str]:
        """``PUT /_sandbox/kakaclo/tokens``."""
        return self._call("PUT", "/tokens", json={"tokens": tokens})["tokens"]

    def rotate_token(self, old: str, new: str) -> list[str]:
        """``POST /_sandbox/kakaclo/tokens/rotate``: the old token stops working."""
        return self._call("POST", "/tokens/rotate", json={"old": old, "new": new})["tokens"]
