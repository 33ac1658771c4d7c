"""Helpers shared by the sandbox tests (``tests.sandbox.sandbox_helpers``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

TOKEN = "sandbox-kakaclo-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ANCHOR = "2024-06-01T00:00:00Z"
ADDRESS = {"country": "US", "city": "Orlando", "phone": "07 82 24 67 93", "recipient": "Lia Olena",
           "street1": "7 rue Rabelais", "province": "FL", "zip": "32801"}


class FakeMonotonic:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeWallClock:
    """A UTC wall clock moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def api(client: TestClient, method: str, path: str, **kwargs):
    """Call a KakaClo endpoint with the default token."""
    headers = {**AUTH, **kwargs.pop("headers", {})}
    return client.request(method, f"/kakaclo{path}", headers=headers, **kwargs)


def data(response) -> object:
    """Assert a success envelope and return ``data``."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 10000, body
    return body["data"]


def on_sale_skus(client: TestClient, limit: int = 10) -> list[str]:
    return client.get("/_sandbox/kakaclo/skus", params={"limit": limit, "status": 1}).json()["skus"]


def order_body(sku: str, quantity: int = 1, **extra) -> dict:
    return {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": quantity}],
            "channelType": "Standard", **extra}


def set_stock(client: TestClient, sku: str, **per_warehouse: int) -> None:
    for warehouse, qty in per_warehouse.items():
        response = client.put("/_sandbox/kakaclo/stock", json={"sku": sku, "warehouseCode": warehouse, "qty": qty})
        assert response.status_code == 200, response.text
