"""``test_connection()`` of the three hooks (the UI's Test button): one read, a message that says why.

Against the sandbox for behaviour; an unreachable port for the network case.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
import requests_mock as requests_mock_module

from airflow_provider_kakaclo.connections import ENVIRONMENTS
from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.transport.errors import RequestValidationError
from tests.conftest import SANDBOX_TOKEN, set_connection

VENDORS = {
    "kakaclo": (KakaCloHook, {"password": SANDBOX_TOKEN}, {"password": "wrong-Zq81"}, "access token"),
    "qianyi": (QianyiHook, {"login": "sandbox-qianyi-app", "password": "sandbox-qianyi-secret"},
               {"login": "sandbox-qianyi-app", "password": "wrong-Zq81"}, "appId and appSecret"),
    "birdsystem": (BirdSystemHook, {"password": "sandbox-birdsystem-key"}, {"password": "wrong-Zq81"},
                   "api_key and company_id (1001)"),
}


def connect(monkeypatch, vendor: str, url: str, creds: dict, **extra):
    set_connection(monkeypatch, f"{vendor}_default", conn_type=vendor, host=url, **creds,
                   extra={"company_id": 1001, **extra} if vendor == "birdsystem" else extra)
    return VENDORS[vendor][0]()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("vendor", VENDORS)
def test_success_says_what_was_checked_with_one_request(monkeypatch, sandbox, vendor):
    hook = connect(monkeypatch, vendor, f"{sandbox.base_url}/{vendor}", VENDORS[vendor][1])
    ok, message = hook.test_connection()
    assert ok, message
    assert message.startswith(f"{hook.hook_name} at {sandbox.base_url}/{vendor}: ") and "visible" in message
    assert sandbox.stats(vendor)["requests"] == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_wrong_credentials_name_them_and_the_environment(monkeypatch, sandbox, vendor):
    hook = connect(monkeypatch, vendor, f"{sandbox.base_url}/{vendor}", VENDORS[vendor][2])
    ok, message = hook.test_connection()
    assert not ok
    assert "refused the credentials" in message and f"check the {VENDORS[vendor][3]}" in message
    assert f"valid in one environment only, and this URL is none of {hook.hook_name}'s documented" in message
    assert "wrong-Zq81" not in message  # the secret is never echoed


@pytest.mark.parametrize("vendor", VENDORS)
def test_unreachable_host_is_a_network_failure_after_one_attempt(monkeypatch, vendor):
    from airflow_provider_kakaclo.transport.core import Transport

    attempts = []
    attempt = Transport._attempt
    monkeypatch.setattr(Transport, "_attempt", lambda self, call: attempts.append(call) or attempt(self, call))
    hook = connect(monkeypatch, vendor, f"http://127.0.0.1:{closed_port()}/{vendor}", VENDORS[vendor][1],
                   backoff_initial=0.001)
    ok, message = hook.test_connection()
    assert not ok and "could not be reached" in message and "check the base URL, the port" in message
    assert len(attempts) == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_url_that_is_not_the_api_says_so(monkeypatch, sandbox, vendor):
    # The sandbox's root is not any vendor's API: its 404 / non-envelope reply must not read as "bad token".
    hook = connect(monkeypatch, vendor, f"{sandbox.base_url}/nothing-here", VENDORS[vendor][1])
    ok, message = hook.test_connection()
    assert not ok and "is this the API's base URL?" in message, message


@pytest.mark.parametrize("vendor", VENDORS)
def test_empty_base_url_uses_the_environment(monkeypatch, vendor):
    for name, url in ENVIRONMENTS[vendor].items():
        hook = connect(monkeypatch, vendor, "", VENDORS[vendor][1], environment=name)
        assert (hook.base_url, hook.environment) == (url, name)
    assert connect(monkeypatch, vendor, "", VENDORS[vendor][1]).base_url == ENVIRONMENTS[vendor]["production"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_environment_contradicting_the_base_url_is_refused_before_any_request(monkeypatch, sandbox, vendor):
    hook = connect(monkeypatch, vendor, ENVIRONMENTS[vendor]["test"], VENDORS[vendor][1], environment="production")
    with pytest.raises(RequestValidationError, match="is the test environment but the connection's environment"):
        _ = hook.base_url
    ok, message = hook.test_connection()
    assert not ok and message.startswith(f"{hook.hook_name}: the connection is not usable")
    hook = connect(monkeypatch, vendor, "", VENDORS[vendor][1], environment="staging")
    ok, message = hook.test_connection()
    assert not ok and "environment 'staging' is not one of production" in message


def test_port_field_joins_a_base_url_without_one(monkeypatch, sandbox):
    port = sandbox.base_url.rsplit(":", 1)[1]
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host="http://127.0.0.1/kakaclo",
                   port=int(port), password=SANDBOX_TOKEN)
    hook = KakaCloHook()
    assert hook.base_url == f"{sandbox.base_url}/kakaclo"
    assert hook.test_connection()[0]


def test_the_hooks_own_transport_survives_a_test(monkeypatch, sandbox):
    hook = connect(monkeypatch, "kakaclo", f"{sandbox.base_url}/kakaclo", VENDORS["kakaclo"][1])
    hook.get_warehouses()
    transport = hook.transport
    assert hook.test_connection()[0]
    assert hook.transport is transport and transport.settings.max_attempts == 5
    hook.get_warehouses()  # still open


FIXTURES = Path(__file__).parent.parent / "fixtures"
REFUSALS = {  # the documented replies to bad credentials (spec samples)
    "kakaclo": {"status_code": 401, "text": ""},
    "qianyi": {"json": json.loads((FIXTURES / "qianyi" / "app_not_exist.json").read_text())},
    "birdsystem": {"status_code": 500, "json": json.loads((FIXTURES / "birdsystem" / "login_required.json").read_text())},
}


@pytest.mark.parametrize("vendor", VENDORS)
def test_refusal_in_a_documented_environment_names_that_environment(monkeypatch, requests_mock, vendor):
    requests_mock.register_uri(requests_mock_module.ANY, re.compile(re.escape(ENVIRONMENTS[vendor]["test"])),
                               **REFUSALS[vendor])
    hook = connect(monkeypatch, vendor, "", VENDORS[vendor][2], environment="test")
    ok, message = hook.test_connection()
    assert not ok and "refused the credentials" in message
    assert message.endswith("they are valid in one environment only, and this is the test environment")
    assert requests_mock.call_count == 1  # one attempt: a refusal is not retried


@pytest.mark.parametrize("url", ["https://developer.kakaclo.com/openapi", "https://Developer.KakaClo.com/",
                                 "https://developer.kakaclo.com:443", "developer.kakaclo.com"])
def test_spellings_of_a_documented_url_are_that_environment(monkeypatch, url):
    hook = connect(monkeypatch, "kakaclo", url, VENDORS["kakaclo"][1])
    assert (hook.base_url, hook.environment) == ("https://developer.kakaclo.com", "production")
    hook = connect(monkeypatch, "kakaclo", url, VENDORS["kakaclo"][1], environment="test")
    with pytest.raises(RequestValidationError, match="is the production environment"):
        _ = hook.base_url


def test_port_443_for_the_test_button_keeps_the_environment_and_the_rate_limit_bucket(monkeypatch):
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host="https://developer.kakaclo.com",
                   port=443, password=SANDBOX_TOKEN)
    assert (KakaCloHook().base_url, KakaCloHook().environment) == ("https://developer.kakaclo.com", "production")


def test_a_port_that_contradicts_the_urls_is_refused(monkeypatch, sandbox):
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                   port=port + 1, password=SANDBOX_TOKEN)
    ok, message = KakaCloHook().test_connection()
    assert not ok and f"the base URL says port {port} but the connection's port is {port + 1}" in message
    assert sandbox.stats("kakaclo")["requests"] == 0


@pytest.mark.parametrize("extra", [{"read_timeout": "20s"}, {"rate_limit_backend": "redis://127.0.0.1:1/0"}])
def test_a_broken_extra_is_a_message_not_an_exception(monkeypatch, sandbox, extra):
    hook = connect(monkeypatch, "kakaclo", f"{sandbox.base_url}/kakaclo", VENDORS["kakaclo"][1], **extra)
    ok, message = hook.test_connection()
    assert not ok and message.startswith("KakaClo")
    assert sandbox.stats("kakaclo")["requests"] == 0


@pytest.mark.parametrize("conn_type", ["kakaclo", "qianyi", "birdsystem"])
def test_a_refused_call_names_its_connection(conn_type, monkeypatch, sandbox):
    """With several connections of one vendor, the error says which one was refused (sync and async)."""
    import asyncio

    from airflow_provider_kakaclo.capabilities import hook_for
    from airflow_provider_kakaclo.transport import AuthenticationError
    from tests.conftest import set_connection

    fields = {"kakaclo": dict(host=f"{sandbox.base_url}/kakaclo", password="not-the-token-1234"),
              "qianyi": dict(host=f"{sandbox.base_url}/qianyi", login="sandbox-qianyi-app",
                             password="not-the-secret-1234"),
              "birdsystem": dict(host=f"{sandbox.base_url}/birdsystem", password="not-the-key-1234",
                                 extra={"company_id": 1001})}[conn_type]
    set_connection(monkeypatch, "shop_b_account", conn_type=conn_type, **fields)
    hook = hook_for("shop_b_account")
    with pytest.raises(AuthenticationError) as caught:
        hook._probe()
    assert caught.value.conn_id == "shop_b_account" and "[connection shop_b_account]" in str(caught.value)
    assert fields["password"] not in str(caught.value)
    if hasattr(hook, "aget_order_statuses"):  # the triggers' async path names it too
        with pytest.raises(AuthenticationError, match=r"\[connection shop_b_account\]"):
            asyncio.run(hook_for("shop_b_account").aget_order_statuses(["1000000000001"]))
