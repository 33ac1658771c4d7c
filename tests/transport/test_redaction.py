"""Secrets a vendor or a gateway echoes back never leave the transport: errors, logs, test_connection,
trigger events. Each vendor, each secret it sends, every reply shape that can carry an echo."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airflow_provider_kakaclo.capabilities import hook_class_for
from airflow_provider_kakaclo.transport import VendorError
from airflow_provider_kakaclo.transport.core import Call
from tests.conftest import set_connection

# Distinctive values: any half of one found in a text is a leak, not a coincidence.
SECRETS = {
    "kakaclo": "Tk9xq2ZLpw7RvN4sHh3e",
    "qianyi": "Qs7Lp0VnR2dX9cFeMm8a",
    "birdsystem": "Bk3mQ8zWc1Yx5HtJ4d6u",
}
REDIS_PASSWORD = "Rp5vK2nY8wQz1LcT"
EXTRA = {"rate_limit_burst": 0, "max_attempts": 2, "backoff_initial": 0, "backoff_max": 0,
         "read_timeout": 5, "rate_limit_backend": ""}
ASYNC_CALL = {
    "kakaclo": Call("GET", "/openapi/v1/product/countryAndWarehouse"),
    "qianyi": Call("POST", "/api/v1/order", multipart={"serviceType": "QUERY", "bizParam": "{}"}),
    "birdsystem": Call("GET", "/client/product"),
}
SHAPES = ("envelope", "html-502", "text-401", "garbage-200", "straddling-excerpt")


def envelope(vendor: str, message: str) -> tuple[int, bytes]:
    body = {"kakaclo": {"code": 40001, "message": message, "data": None},
            "qianyi": {"state": "fail", "errorCode": "PARAM_ERROR", "errorMsg": message},
            "birdsystem": {"success": False, "message": message}}[vendor]
    return (500 if vendor == "birdsystem" else 200), json.dumps(body).encode()


class Echo(BaseHTTPRequestHandler):
    """Answers every request with the shape the server is set to, quoting the request's credentials."""

    vendor = "kakaclo"
    shape = "envelope"
    extra_echo = ""
    secret = ""

    def log_message(self, *args):
        pass

    def _echo(self) -> str:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        sign = re.search(r'name="sign"\r\n\r\n([^\r]+)', body)
        quoted = [f"Authorization: {self.headers.get('Authorization')}", f"api_key: {self.headers.get('api_key')}",
                  f"sign={sign.group(1) if sign else None}", self.extra_echo]
        return " | ".join(quoted)

    def _answer(self) -> None:
        echo = self._echo()
        if self.shape == "envelope":
            status, body = envelope(self.vendor, f"credential {echo} is not valid")
        elif self.shape == "html-502":
            status, body = 502, f"<html><body><h1>502 Bad Gateway</h1><pre>{echo}</pre></body></html>".encode()
        elif self.shape == "text-401":
            status, body = 401, f"unauthorized: {echo}".encode()
        elif self.shape == "garbage-200":
            status, body = 200, f"not json at all {echo}".encode()
        else:  # the secret sits across the 200-character excerpt a decoder cuts out of a page
            status, body = 502, ("x" * 192 + self.secret + " " + echo).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if body[:1] == b"{" else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def vendor_hook(request, echo_server, monkeypatch):
    vendor, shape = request.param
    secret = SECRETS[vendor]
    handler = type("Handler", (Echo,), {"vendor": vendor, "shape": shape, "secret": secret,
                                        "extra_echo": f"secret={secret} redis=redis://:{REDIS_PASSWORD}@x"})
    echo_server.RequestHandlerClass = handler
    url = f"http://127.0.0.1:{echo_server.server_address[1]}"
    extra = dict(EXTRA, **({"company_id": 1001} if vendor == "birdsystem" else {}))
    set_connection(monkeypatch, f"{vendor}_default", conn_type=vendor, host=url, password=secret,
                   login="qianyi-app-id" if vendor == "qianyi" else None, extra=extra)
    # The Redis URL's password is a secret of the connection too (the limiter is off here).
    monkeypatch.setattr(hook_class_for(vendor), "_secrets",
                        lambda self: [self.connection.password, REDIS_PASSWORD], raising=False)
    return vendor, hook_class_for(vendor)()


def leaks(texts: list[str], vendor: str) -> list[str]:
    """Every text holding a secret, half a secret, or the signature this run computed."""
    secret = SECRETS[vendor]
    pieces = [secret, secret[: len(secret) // 2], secret[len(secret) // 2:], REDIS_PASSWORD]
    return [text for text in texts for piece in pieces if piece in text]


CASES = [(vendor, shape) for vendor in SECRETS for shape in SHAPES]


@pytest.mark.parametrize("vendor_hook", CASES, indirect=True, ids=[f"{v}-{s}" for v, s in CASES])
def test_sync_errors_and_retry_warnings_hold_no_secret(vendor_hook, caplog):
    vendor, hook = vendor_hook
    caplog.set_level(logging.DEBUG)
    with pytest.raises(VendorError) as caught:
        hook._probe()
    err = caught.value
    texts = [str(err), repr(err), err.message, str(getattr(err, "cause", "")),
             "".join(traceback.format_exception(err)),  # chained exceptions reach logs too
             *(record.getMessage() for record in caplog.records)]
    assert "***" in " ".join(texts) or err.http_status == 401  # the echo was there, and was masked
    assert not leaks(texts, vendor)
    signatures = re.findall(r"[0-9a-f]{32}", " ".join(texts))
    assert not signatures, "a Qianyi signature reached a text"


@pytest.mark.parametrize("vendor_hook", CASES, indirect=True, ids=[f"{v}-{s}" for v, s in CASES])
def test_async_errors_hold_no_secret(vendor_hook, caplog):
    vendor, hook = vendor_hook
    caplog.set_level(logging.DEBUG)
    with pytest.raises(VendorError) as caught:
        asyncio.run(hook.arequest(ASYNC_CALL[vendor]))
    texts = [str(caught.value), repr(caught.value), *(record.getMessage() for record in caplog.records)]
    assert not leaks(texts, vendor)
    assert not re.findall(r"[0-9a-f]{32}", " ".join(texts))


@pytest.mark.parametrize("vendor_hook", CASES, indirect=True, ids=[f"{v}-{s}" for v, s in CASES])
def test_test_connection_message_holds_no_secret(vendor_hook, caplog):
    vendor, hook = vendor_hook
    ok, message = hook.test_connection()
    assert not ok
    assert not leaks([message, *(record.getMessage() for record in caplog.records)], vendor)


TRACKERS = [(vendor, shape) for vendor in ("kakaclo", "birdsystem") for shape in ("envelope", "text-401")]


@pytest.mark.parametrize("vendor_hook", TRACKERS, indirect=True, ids=[f"{v}-{s}" for v, s in TRACKERS])
def test_trigger_error_events_hold_no_secret(vendor_hook, caplog):
    from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger
    from tests.triggers.conftest import first_event

    vendor, _ = vendor_hook
    event = asyncio.run(first_event(OrderStatusTrigger(f"{vendor}_default", "1000000000001", "shipped", 0.01)))
    assert event["status"] == "error"
    assert not leaks([json.dumps(event), *(record.getMessage() for record in caplog.records)], vendor)


@pytest.mark.parametrize("vendor_hook", [("kakaclo", "envelope"), ("kakaclo", "text-401")], indirect=True)
def test_refund_trigger_error_events_hold_no_secret(vendor_hook):
    from airflow_provider_kakaclo.triggers.refunds import RefundStatusTrigger
    from tests.triggers.conftest import first_event

    vendor, _ = vendor_hook
    event = asyncio.run(first_event(RefundStatusTrigger("kakaclo_default", "1000000000001", "R1", 0.01)))
    assert event["status"] == "error"
    assert not leaks([json.dumps(event)], vendor)


def test_redaction_never_alters_the_data_of_a_good_reply(echo_server, monkeypatch):
    """A reply that legitimately holds a secret-like value is returned as it came: only texts are masked."""
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    secret = SECRETS["kakaclo"]
    body = json.dumps({"code": 10000, "message": "success",
                       "data": {"list": [{"warehouseCode": "G007", "warehouseName": f"named {secret}"}]}}).encode()

    class Good(Echo):
        def _answer(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _answer

    echo_server.RequestHandlerClass = Good
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo",
                   host=f"http://127.0.0.1:{echo_server.server_address[1]}", password=secret, extra=EXTRA)
    (warehouse,) = KakaCloHook().get_warehouses()
    assert secret in json.dumps(warehouse.model_dump(mode="json"))
