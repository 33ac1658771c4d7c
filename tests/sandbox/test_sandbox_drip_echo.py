"""The fault actions behind the hardening chaos rows: replies quoting credentials, replies that drip."""

from __future__ import annotations

import socket
import time

import pytest
from fastapi.testclient import TestClient

from airflow_provider_kakaclo.sandbox import create_app


@pytest.fixture
def client():
    return TestClient(create_app({"catalog_size": 50}), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("vendor", "path", "kwargs", "quoted"),
    [("kakaclo", "/kakaclo/openapi/v1/product/countryAndWarehouse",
      {"headers": {"Authorization": "Bearer tok-123456"}}, "Authorization: Bearer tok-123456"),
     ("birdsystem", "/birdsystem/client/Product", {"headers": {"api_key": "key-123456", "company_id": "1001"}},
      "api_key: key-123456"),
     ("qianyi", "/qianyi/api/v1/warehouse", {"files": {"sign": (None, "abcdef0123"), "appId": (None, "a")}},
      "sign=abcdef0123"),
     ("qianyi", "/qianyi/api/v1/warehouse", {"data": {"sign": "abcdef0123", "appId": "a"}}, "sign=abcdef0123")],
)
@pytest.mark.parametrize("action", ["status", "envelope"])
def test_a_fault_can_quote_the_request_credentials(client, vendor, path, kwargs, quoted, action):
    rule = ({"status": 502, "body": "<pre>{credentials}</pre>"} if action == "status"
            else {"code": 40001, "message": "bad {credentials}"})
    assert client.post("/_sandbox/faults", json={"vendor": vendor, "action": action, **rule}).status_code < 300
    resp = client.request("GET" if vendor == "birdsystem" else "POST" if vendor == "qianyi" else "GET", path,
                          **kwargs)
    assert quoted in resp.text


def test_drip_needs_seconds(client):
    resp = client.post("/_sandbox/faults", json={"vendor": "kakaclo", "action": "drip"})
    assert resp.status_code == 400 and "seconds" in resp.text


def test_a_dripping_reply_sends_headers_then_one_byte_at_a_time(sandbox_server, sandbox):
    sandbox.add_fault("kakaclo", "GET", "/openapi/v1/product/countryAndWarehouse", "drip", seconds=0.05)
    sock = socket.create_connection(("127.0.0.1", sandbox_server.port), timeout=10)
    sock.sendall(b"GET /kakaclo/openapi/v1/product/countryAndWarehouse HTTP/1.1\r\nHost: x\r\n"
                 b"Authorization: Bearer sandbox-kakaclo-token\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    reads = []
    deadline = time.monotonic() + 10  # a hang guard only
    while len(reads) < 5 and time.monotonic() < deadline:
        reads.append(sock.recv(4096))
    sock.close()
    length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
                 .split(b":")[1])
    # Five reads right after the headers: a reply sent at once would be complete; a drip of a
    # several-hundred-byte body at 0.05 s a byte is far from it.
    assert length > 100 and len(body) + sum(map(len, reads)) < length
