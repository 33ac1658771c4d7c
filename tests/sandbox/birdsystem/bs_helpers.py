"""Helpers shared by the BirdSystem sandbox tests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

KEY = "sandbox-birdsystem-key"
HEADERS = {"api_key": KEY, "company_id": "1001"}
CONTROL = "/_sandbox/birdsystem"
ADDRESS = {"contact": "Ann Smith", "address_line1": "1 High Street", "city": "Birmingham", "post_code": "B1 1AA",
           "country_iso": "GB"}
ROYAL_MAIL = 10101  # an ACTIVE 1001 service for GB


def bs(client: TestClient, method: str, path: str, *, company_id: str = "1001", **kwargs: Any):
    """Call a BirdSystem endpoint (``path`` under ``/birdsystem``) with the default key."""
    headers = {"api_key": KEY, "company_id": company_id, **kwargs.pop("headers", {})}
    return client.request(method, f"/birdsystem{path}", headers=headers, **kwargs)


def ok(response) -> dict:
    """Assert a successful answer and return its body."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True, body
    return body


def failed(response, status: int = 500) -> str:
    """Assert the vendor error shape and return its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and isinstance(body["message"], str), body
    return body["message"]


def control(client: TestClient, method: str, path: str, **kwargs: Any):
    response = client.request(method, f"{CONTROL}{path}", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def products(client: TestClient, **params: Any) -> list[dict]:
    return control(client, "GET", "/products", params={"limit": 1000, **params})["products"]


def active_product(client: TestClient, *, live: int = 50, locked: int = 0, client_id: int = 4790) -> int:
    """An own ACTIVE product with exactly ``live`` stock in warehouse 11 (UK) and none in warehouse 12."""
    product_id = products(client, status="ACTIVE", client_id=client_id)[0]["id"]
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 11, "live": live,
                                           "locked": locked, "frozen": 0})
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 12, "live": 0, "locked": 0,
                                           "frozen": 0})
    return product_id


def filter_param(*filters: dict) -> str:
    return json.dumps(list(filters))


def new_consignment(client: TestClient, **extra: Any) -> str:
    body = {"delivery_service_id": ROYAL_MAIL, **ADDRESS, **extra}
    return ok(bs(client, "POST", "/client/Consignment", data=body))["data"]["id"]


def add_line(client: TestClient, consignment_id: str, product_id: int, quantity: int = 1):
    return bs(client, "POST", "/client/Consignment-Product",
              data={"consignment_id": consignment_id, "product_id": product_id, "quantity": quantity})


def set_status(client: TestClient, ids: str, status: str):
    return bs(client, "POST", "/client/Consignment/Batch-Update-Status", data={"ids": ids, "status": status})


def available(client: TestClient, product_id: int, company_id: str = "1001") -> dict:
    body = ok(bs(client, "GET", "/client/Product/Get-Product-Available-Quantity", params={"ids": product_id},
                 company_id=company_id))
    return body["data"][0]
