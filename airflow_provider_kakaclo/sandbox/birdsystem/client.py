"""``BirdSystemControl``: the ``/_sandbox/birdsystem/`` routes, reached as ``SandboxClient(...).birdsystem``."""

from __future__ import annotations

from typing import Any


class BirdSystemControl:
    """BirdSystem inspection and warehouse-side calls."""

    def __init__(self, client: Any) -> None:
        """:param client: the :class:`~..client.SandboxClient`"""
        self._client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._client.call(method, f"/birdsystem{path}", **kwargs)

    @property
    def url(self) -> str:
        """Base URL of the emulated BirdSystem API (requests go to ``<this>/client/...``)."""
        return self._client.vendor_url("birdsystem")

    # -- products and stock ------------------------------------------------------------------------

    def products(self, offset: int = 0, limit: int = 100, status: str | None = None,
                 client_id: int | None = None) -> list[dict]:
        """``GET /_sandbox/birdsystem/products``: product records by id."""
        params = {"offset": offset, "limit": limit, "status": status, "client_id": client_id}
        return self._call("GET", "/products", params=params)["products"]

    def product(self, product_id: int | str) -> dict:
        """``GET /_sandbox/birdsystem/products/{id}``: record, per-site rows, stock per site and warehouse."""
        return self._call("GET", f"/products/{product_id}")

    def set_product_status(self, product_id: int | str, status: str) -> dict:
        """``PUT /_sandbox/birdsystem/products/{id}/status``: any status (warehouse side)."""
        return self._call("PUT", f"/products/{product_id}/status", json={"status": status})

    def set_stock(self, product_id: int | str, *, warehouse_id: int | None = None, company_id: int | None = None,
                  live: int | None = None, locked: int | None = None, frozen: int | None = None) -> dict:
        """``PUT /_sandbox/birdsystem/stock``: set live/locked/frozen in a warehouse (or a site's first)."""
        body = {"product_id": product_id, "warehouse_id": warehouse_id, "company_id": company_id, "live": live,
                "locked": locked, "frozen": frozen}
        return self._call("PUT", "/stock", json={key: value for key, value in body.items() if value is not None})

    # -- consignments --------------------------------------------------------------------------------

    def consignments(self, sales_reference: str | None = None, thirty_system_id: str | None = None,
                     status: str | None = None, company_id: int | None = None) -> list[dict]:
        """``GET /_sandbox/birdsystem/consignments``: raw consignments with lines, oldest first."""
        params = {"sales_reference": sales_reference, "thirty_system_id": thirty_system_id, "status": status,
                  "company_id": company_id}
        return self._call("GET", "/consignments", params=params)["consignments"]

    def consignment_count(self, sales_reference: str | None = None, thirty_system_id: str | None = None) -> int:
        """Number of consignments (with this reference)."""
        params = {"sales_reference": sales_reference, "thirty_system_id": thirty_system_id}
        return self._call("GET", "/consignments", params=params)["count"]

    def consignment(self, consignment_id: int | str) -> dict:
        """``GET /_sandbox/birdsystem/consignments/{id}``."""
        return self._call("GET", f"/consignments/{consignment_id}")

    def advance_consignment(self, consignment_id: int | str, to: str, *,
                            delivery_reference: str | None = None) -> dict:
        """``POST /_sandbox/birdsystem/consignments/{id}/advance``: any of the 13 statuses."""
        body: dict[str, Any] = {"to": to}
        if delivery_reference is not None:
            body["delivery_reference"] = delivery_reference
        return self._call("POST", f"/consignments/{consignment_id}/advance", json=body)

    # -- credentials and reference data --------------------------------------------------------------

    def credentials(self) -> dict:
        """``GET /_sandbox/birdsystem/credentials``: ``{"api_keys", "company_ids"}``."""
        return self._call("GET", "/credentials")

    def set_credentials(self, api_keys: list[str] | None = None, company_ids: list[int] | None = None) -> dict:
        """``PUT /_sandbox/birdsystem/credentials``."""
        body = {key: value for key, value in (("api_keys", api_keys), ("company_ids", company_ids))
                if value is not None}
        return self._call("PUT", "/credentials", json=body)

    def set_api_keys(self, api_keys: list[str]) -> list[str]:
        """Replace the valid api keys; returns them."""
        return self.set_credentials(api_keys=api_keys)["api_keys"]

    def sites(self) -> dict:
        """``GET /_sandbox/birdsystem/sites``: sites, warehouses, delivery services."""
        return self._call("GET", "/sites")
