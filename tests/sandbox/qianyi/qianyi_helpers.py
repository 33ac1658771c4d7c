"""Helpers of the Qianyi sandbox tests: signed form posts built independently of the sandbox code."""

from __future__ import annotations

import hashlib
import json
from typing import Any

APP_ID = "sandbox-qianyi-app"
APP_SECRET = "sandbox-qianyi-secret"
TIMESTAMP = "1718020800000"  # the fake wall clock of tests/sandbox/conftest.py (2024-06-10 12:00 UTC)


def md5_sign(app_id: str, biz_param: str, service_type: str, timestamp: str, secret: str) -> str:
    """The documented signature, computed here with hashlib (not with the sandbox's signing module)."""
    text = f"appId={app_id}bizParam={biz_param}serviceType={service_type}timestamp={timestamp}{secret}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def form(service_type: str, biz: Any, *, app_id: str = APP_ID, secret: str = APP_SECRET,
         timestamp: str = TIMESTAMP, **overrides: str) -> dict[str, str]:
    """The five form fields of a signed call; ``biz`` is an object (compact JSON) or the exact string."""
    text = biz if isinstance(biz, str) else json.dumps(biz, ensure_ascii=False, separators=(",", ":"))
    fields = {"appId": app_id, "serviceType": service_type, "bizParam": text, "timestamp": timestamp,
              "sign": md5_sign(app_id, text, service_type, timestamp, secret)}
    fields.update(overrides)
    return fields


def post(client, module: str, service_type: str, biz: Any = None, **kwargs: Any):
    """POST a signed multipart call; returns the response."""
    fields = form(service_type, {} if biz is None else biz, **kwargs)
    return client.post(f"/qianyi/api/v1/{module}", files={key: (None, value) for key, value in fields.items()})


def outer(response) -> dict:
    """The outer body of an HTTP 200 answer."""
    assert response.status_code == 200, response.text
    return response.json()


def biz(response) -> dict:
    """Assert outer success and return the parsed bizContent (a JSON *string* on the wire)."""
    body = outer(response)
    assert body["state"] == "success" and body["errorCode"] == "" and body["errorMsg"] == "", body
    assert isinstance(body["bizContent"], str)
    assert isinstance(body["requestId"], str) and len(body["requestId"]) == 36
    return json.loads(body["bizContent"])


def ok(response) -> dict:
    """Assert a business success and return bizContent."""
    content = biz(response)
    assert content["notSuccess"] is False and content["state"] == "success", content
    return content


def biz_error(response) -> tuple[str, str]:
    """Assert a business failure; return (errorCode, errorMsg) of bizContent."""
    content = biz(response)
    assert content["notSuccess"] is True and content["state"] == "failure", content
    return content["errorCode"], content["errorMsg"]


def outer_error(response, status: int = 200) -> dict:
    """Assert an outer failure at HTTP ``status``; return the body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["state"] == "failure", body
    return body


def new_sku(code: str, **extra: Any) -> dict[str, Any]:
    """A minimal INSERT_SKU_INFO body with every documented Y field."""
    body = {"sku": code, "title": f"Title {code}", "type": "SINGLE", "weight": 1.5, "netWeight": 1.2,
            "weightUnit": "KG", "length": 10, "width": 8, "height": 6, "dimensionUnit": "CM", "enable": 1}
    body.update(extra)
    return body


def order(online: str, sku: str, **extra: Any) -> dict[str, Any]:
    """The minimal CREATE_SALES_ORDER body of PY-CLIENT."""
    body = {"shop": "Shop-ID", "onlineOrderNumber": online, "paymentMethod": "COD", "codPayAmount": 100000,
            "currency": "IDR", "payTime": "2024-05-20 15:40:30+08:00", "trackingNumber": online,
            "logisticsSelected": "YT-THZXR",
            "buyer": {"receiverName": "Ani", "phone": "0812", "email": "a@example.com", "country": "ID",
                      "province": "DKI", "city": "Jakarta", "postCode": "12940", "address1": "Jl. 1", "address2": ""},
            "skuList": [{"sku": sku, "payAmount": 0, "quantity": 1}]}
    body.update(extra)
    return body
