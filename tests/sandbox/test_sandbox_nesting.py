"""Nonsense nested thousands deep is a client error (4xx, the vendor's own envelope) on every vendor
route and every control route, never a RecursionError answered as HTTP 500."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from airflow_provider_kakaclo.sandbox import create_app
from airflow_provider_kakaclo.sandbox.nesting import MAX_NESTING, deeper_than, too_deep

APP = create_app({"catalog_size": 50})
CLIENT = TestClient(APP, raise_server_exceptions=False)
HEADERS = {
    "kakaclo": {"Authorization": "Bearer sandbox-kakaclo-token"},
    "qianyi": {},
    "birdsystem": {"api_key": "sandbox-birdsystem-key", "company_id": "1001"},
}


def deep(kind: str, depth: int) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"a":[' * (depth // 2) + "1" + "]}" * (depth // 2)  # mixed


NONSENSE = [(kind, depth) for kind in ("array", "object", "mixed") for depth in (MAX_NESTING + 2, 3000, 100_000)]


def routes(prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every route that takes a body, with placeholders filled."""
    found = []
    if not prefix:  # control routes: from the OpenAPI schema (newer FastAPI nests included routers)
        for path, operations in APP.openapi()["paths"].items():
            found += [(m.upper(), re.sub(r"\{[^}]+\}", "1", path)) for m in operations
                      if path.startswith("/_sandbox") and m.upper() in ("POST", "PUT", "PATCH")]
        assert found
        return found
    for route in APP.routes:
        sub_app = getattr(route, "app", None)
        if prefix and getattr(route, "path", "") == prefix and sub_app is not None:
            candidates = [(m, prefix + sub.path) for sub in sub_app.routes for m in getattr(sub, "methods", None) or ()]
        elif not prefix and getattr(route, "path", "").startswith("/_sandbox"):
            candidates = [(m, route.path) for m in getattr(route, "methods", None) or ()]
        else:
            continue
        found += [(m, re.sub(r"\{[^}]+\}", "1", path)) for m, path in candidates if m in ("POST", "PUT", "PATCH")]
    assert found
    return found


def is_vendor_envelope(vendor: str, body: dict) -> bool:
    return {"kakaclo": lambda b: b.get("code") == 40000,
            "qianyi": lambda b: b.get("state") not in (None, "success") and b.get("errorCode") == "DATA_INPUT_ERROR",
            "birdsystem": lambda b: b.get("success") is False}[vendor](body)


@pytest.mark.parametrize(("kind", "depth"), NONSENSE)
@pytest.mark.parametrize("vendor", ["kakaclo", "birdsystem"])
def test_a_deep_json_body_is_a_client_error_on_every_vendor_route(vendor, kind, depth):
    for method, path in routes(f"/{vendor}"):
        for extra in ({"Content-Type": "application/json"}, {"Content-Type": "text/plain"}):
            resp = CLIENT.request(method, path, content=deep(kind, depth), headers={**HEADERS[vendor], **extra})
            assert 400 <= resp.status_code < 500, (method, path, resp.status_code, resp.text[:200])
            assert is_vendor_envelope(vendor, resp.json()), resp.text[:200]


@pytest.mark.parametrize(("kind", "depth"), NONSENSE)
@pytest.mark.parametrize("encoding", ["multipart", "form", "query"])
def test_a_deep_json_field_is_a_client_error_on_every_qianyi_route(kind, depth, encoding):
    if encoding == "query":
        depth = min(depth, 3000)  # a URL has a length limit of its own
    fields = {"appId": "sandbox-qianyi-app", "serviceType": "QUERY", "timestamp": "1", "sign": "x",
              "bizParam": deep(kind, depth)}
    for method, path in routes("/qianyi"):
        if encoding == "multipart":
            resp = CLIENT.request(method, path, files={k: (None, v) for k, v in fields.items()})
        elif encoding == "form":
            resp = CLIENT.request(method, path, data=fields)
        else:
            resp = CLIENT.request(method, path + "?bizParam=" + quote(fields["bizParam"]))
        assert 400 <= resp.status_code < 500, (method, path, resp.status_code, resp.text[:200])
        assert is_vendor_envelope("qianyi", resp.json()), resp.text[:200]


@pytest.mark.parametrize(("kind", "depth"), NONSENSE)
def test_a_deep_json_body_is_a_client_error_on_every_control_route(kind, depth):
    for method, path in routes():
        resp = CLIENT.request(method, path, content=deep(kind, depth), headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, (method, path, resp.status_code, resp.text[:200])
        assert "nested deeper" in resp.json()["detail"]


def test_a_deep_body_is_refused_over_real_http_and_the_sandbox_still_works(sandbox):
    import requests

    resp = requests.post(f"{sandbox.base_url}/_sandbox/reset", data=deep("array", 100_000), timeout=30,
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    sandbox.reset()  # the server is unharmed


@pytest.mark.parametrize(
    "text",
    [json.dumps({"remark": "[" * 5000}), json.dumps({"remark": "{" * 5000 + '\\"' + "[" * 5000}),
     deep("array", MAX_NESTING), json.dumps([list(range(10_000))])],
)
def test_brackets_in_strings_and_wide_bodies_are_not_nesting(text):
    assert deeper_than(text.encode()) is None
    assert too_deep(text.encode(), "application/json") is None


def test_the_depth_is_measured_inside_every_place_json_travels():
    nested = deep("array", 500).encode()
    assert deeper_than(nested) > MAX_NESTING
    assert too_deep(b"a=1&bizParam=" + quote(nested).encode(), "application/x-www-form-urlencoded")
    assert too_deep(b"", "", b"bizParam=" + quote(nested).encode())
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nan "odd quote\r\n'
            b'--XyZ\r\nContent-Disposition: form-data; name="bizParam"\r\n\r\n' + nested + b"\r\n--XyZ--\r\n")
    assert too_deep(body, "multipart/form-data; boundary=XyZ")
