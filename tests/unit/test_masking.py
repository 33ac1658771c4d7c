"""The provider registers its own secrets with Airflow's masker, whoever fetched the connection.

Airflow masks a connection's password when *it* fetches the connection, so a test that goes through
Airflow's lookup cannot tell whether the provider registers anything. Here the connection arrives
unmasked (as from a hook subclass or a secrets path that does not mask), Airflow's masker is empty
at the start of every test (the autouse fixture in tests/conftest.py), and each secret must be
masked once the hook has read it: the KakaClo token, the Qianyi appSecret, the BirdSystem api_key,
and a Redis URL with a password in ``rate_limit_backend`` (an extra Airflow does not consider secret).
"""

from __future__ import annotations

import pytest
from airflow.sdk import Connection
from airflow.sdk._shared.secrets_masker import redact

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from tests.conftest import set_connection

#: vendor -> (hook class, the connection's fields; its password is the secret)
VENDORS = {
    "kakaclo": (KakaCloHook, {"conn_type": "kakaclo", "host": "https://kakaclo.test",
                              "password": "kk-token-Vq81mZ"}),
    "qianyi": (QianyiHook, {"conn_type": "qianyi", "host": "https://qianyi.test", "login": "app-4711",
                            "password": "qy-appsecret-Hd73kP"}),
    "birdsystem": (BirdSystemHook, {"conn_type": "birdsystem", "host": "https://birdsystem.test",
                                    "password": "bs-apikey-Wn52tR", "extra": '{"company_id": 1001}'}),
}
REDIS_PASSWORD = "redis-pw-Kx94sQ"
REDIS_URL = f"redis://:{REDIS_PASSWORD}@127.0.0.1:6399/0"


def masked(secret: str) -> bool:
    """True when Airflow's masker hides ``secret`` in a log message."""
    return secret not in str(redact(f"calling with {secret} now"))


def unmasked_connection(monkeypatch, hook_class, fields: dict) -> None:
    """Serve the hook a connection that nobody has registered with the masker."""
    conn = Connection(conn_id=hook_class.default_conn_name, **fields)
    monkeypatch.setattr(hook_class, "get_connection", classmethod(lambda cls, conn_id: conn))


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_the_hook_registers_its_connection_secret(vendor, monkeypatch):
    hook_class, fields = VENDORS[vendor]
    unmasked_connection(monkeypatch, hook_class, fields)
    secret = fields["password"]
    assert not masked(secret)  # the masker starts empty and the connection came in unmasked
    hook = hook_class()
    assert hook.connection.password == secret
    assert masked(secret)


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_a_redis_rate_limit_url_with_a_password_is_masked(vendor, monkeypatch):
    hook_class, fields = VENDORS[vendor]
    extra = {"company_id": 1001} if vendor == "birdsystem" else {}
    set_connection(monkeypatch, hook_class.default_conn_name,
                   **{**fields, "extra": {**extra, "rate_limit_burst": 10, "rate_limit_per_second": 1,
                                          "rate_limit_backend": REDIS_URL}})
    hook = hook_class()
    hook._limiter(hook._settings())  # builds the Redis bucket (no connection is made yet)
    assert masked(REDIS_URL)
    assert masked(REDIS_PASSWORD)  # alone too: a redis error or a DSN printed in parts carries it


def test_the_masker_is_reset_between_tests():
    """The fixture's promise, checked from the other side: nothing registered above is still masked."""
    assert not any(masked(fields["password"]) for _, fields in VENDORS.values())
    assert not masked(REDIS_URL) and not masked(REDIS_PASSWORD)
