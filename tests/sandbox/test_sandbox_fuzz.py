"""The sandbox under fuzzing: every malformed request answered in the vendor's own format, never a crash."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_kakaclo.sandbox import create_app

APP = create_app({"catalog_size": 300})
CLIENT = TestClient(APP, raise_server_exceptions=False)

HEADERS = {
    "kakaclo": {"Authorization": "Bearer sandbox-kakaclo-token"},
    "qianyi": {},
    "birdsystem": {"api_key": "sandbox-birdsystem-key", "company_id": "1001"},
}


def vendor_paths(prefix: str) -> list[tuple[str, str]]:
    """(method, path) of every route the vendor app serves, placeholders filled with junk later."""
    found = []
    for route in APP.routes:
        app = getattr(route, "app", None)
        if getattr(route, "path", "") == f"/{prefix}" and app is not None:
            for sub in getattr(app, "routes", []):
                for method in sorted(getattr(sub, "methods", None) or {"GET"}):
                    if method != "HEAD":
                        found.append((method, sub.path))
    return found or [("GET", "/"), ("POST", "/")]


junk = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                 st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3))
bodies = st.one_of(
    st.binary(max_size=120),
    st.dictionaries(st.text(max_size=12), junk, max_size=6).map(lambda d: json.dumps(d).encode()),
    st.sampled_from([b"", b"{", b"[]", b"null", b'{"orderAddresses": 5}', b'{"products": [{"sku": null}]}']),
)
params = st.dictionaries(st.sampled_from(["skus", "spus", "pageNumber", "pageSize", "ids", "dateStartTime",
                                          "start", "limit", "filter", "id", "client_ref", "x"]),
                         st.text(max_size=20), max_size=4)


def fill(path: str, value: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", value or "x", path)


def check_shape(vendor: str, status: int, content: bytes) -> None:
    if vendor == "kakaclo":
        assert status != 500
        if content.strip():
            body = json.loads(content)
            assert "code" in body or "detail" not in body
    elif vendor == "qianyi":
        assert status != 500 or json.loads(content).get("errorCode") == "SYSTEM_ERROR"
        body = json.loads(content)
        assert "state" in body
    else:
        body = json.loads(content)
        assert "success" in body


@pytest.mark.parametrize("vendor", ["kakaclo", "qianyi", "birdsystem"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data(), body=bodies, query=params, segment=st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters='/?#%\\'), max_size=12),
       content_type=st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "text/plain"]))
def test_malformed_requests_get_the_vendor_envelope(vendor, data, body, query, segment, content_type):
    method, path = data.draw(st.sampled_from(vendor_paths(vendor)))
    response = CLIENT.request(method, f"/{vendor}{fill(path, segment.replace('/', ''))}", params=query,
                              content=body, headers={**HEADERS[vendor], "Content-Type": content_type})
    check_shape(vendor, response.status_code, response.content)
