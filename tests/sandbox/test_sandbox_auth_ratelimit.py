"""Bearer auth (spec §3) and the per-token leaky bucket of 120 leaking 2/s (spec §4)."""

from __future__ import annotations

import pytest

from tests.sandbox.sandbox_helpers import AUTH, api, data

WAREHOUSES = "/openapi/v1/product/countryAndWarehouse"


def test_missing_or_unknown_token_is_401_with_empty_body(client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "sandbox-kakaclo-token"},
                    {"Authorization": "Basic sandbox-kakaclo-token"}):
        response = client.get(f"/kakaclo{WAREHOUSES}", headers=headers)
        assert response.status_code == 401
        assert response.content == b""


def test_scheme_is_case_insensitive(client):
    assert client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "bearer sandbox-kakaclo-token"}).status_code == 200


def test_auth_error_body_switch_gives_an_envelope(make_client):
    client = make_client(switches={"kakaclo": {"auth_error_body": "envelope"}})
    response = client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {"code": 40100, "message": "unauthorized"}


def test_rotated_token_replaces_the_old_one(client):
    response = client.post("/_sandbox/kakaclo/tokens/rotate", json={"old": "sandbox-kakaclo-token", "new": "t2"})
    assert response.json() == {"tokens": ["t2"]}
    assert api(client, "GET", WAREHOUSES).status_code == 401
    assert client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "Bearer t2"}).status_code == 200
    assert client.post("/_sandbox/kakaclo/tokens/rotate", json={"old": "gone", "new": "x"}).status_code == 404
    client.put("/_sandbox/kakaclo/tokens", json={"tokens": ["a", "b"]})
    assert client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "Bearer b"}).status_code == 200


def test_bucket_of_120_then_429_with_empty_body_and_no_retry_after(client, monotonic):
    statuses = [api(client, "GET", WAREHOUSES).status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120
    throttled = api(client, "GET", WAREHOUSES)
    assert statuses[120] == 429 and throttled.status_code == 429
    assert throttled.content == b"" and "retry-after" not in throttled.headers
    stats = client.get("/_sandbox/stats", params={"vendor": "kakaclo"}).json()
    assert stats["by_status"] == {"200": 120, "429": 2}


def test_bucket_leaks_two_per_second_and_throttled_calls_do_not_count(client, monotonic):
    for _ in range(120):
        api(client, "GET", WAREHOUSES)
    for _ in range(50):  # refused calls are not added to the bucket
        assert api(client, "GET", WAREHOUSES).status_code == 429
    monotonic.advance(0.5)  # one request leaked out
    assert api(client, "GET", WAREHOUSES).status_code == 200
    assert api(client, "GET", WAREHOUSES).status_code == 429
    monotonic.advance(5)  # ten more
    assert [api(client, "GET", WAREHOUSES).status_code for _ in range(11)] == [200] * 10 + [429]


def test_buckets_are_per_token(client):
    client.put("/_sandbox/kakaclo/tokens", json={"tokens": ["one", "two"]})
    for _ in range(120):
        client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "Bearer one"})
    assert client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "Bearer one"}).status_code == 429
    assert client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "Bearer two"}).status_code == 200


def test_retry_after_and_envelope_switches(make_client, monotonic):
    client = make_client(switches={"kakaclo": {"retry_after_header": True, "throttle_body": "envelope",
                                               "rate_limit_capacity": 2, "rate_limit_leak_per_second": 0.25}})
    api(client, "GET", WAREHOUSES)
    api(client, "GET", WAREHOUSES)
    throttled = api(client, "GET", WAREHOUSES)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "4"
    assert throttled.json() == {"code": 42900, "message": "too many requests"}


def test_limit_can_be_switched_off_at_run_time(client):
    patched = client.patch("/_sandbox/switches", json={"kakaclo": {"rate_limit_enabled": False}})
    assert patched.json()["kakaclo"]["rate_limit_enabled"] is False
    assert all(api(client, "GET", WAREHOUSES).status_code == 200 for _ in range(200))


def test_invalid_token_does_not_consume_the_bucket(client):
    for _ in range(130):
        client.get(f"/kakaclo{WAREHOUSES}", headers={"Authorization": "Bearer wrong"})
    assert data(api(client, "GET", WAREHOUSES))["list"]
    assert AUTH


@pytest.mark.parametrize("late", [0.0, 0.5, 3.0])
def test_a_bucket_never_drains_for_time_it_already_counted(late):
    """Two requests racing: the one whose clock reading is older must not move the bucket's time back
    (it would drain the same seconds twice and let requests past the limit)."""
    from airflow_provider_kakaclo.sandbox.ratelimit import LeakyBuckets

    readings = iter([10.0, 10.0 - late, 10.5])
    buckets = LeakyBuckets(clock=lambda: next(readings))
    assert buckets.try_acquire("token", capacity=2, leak_per_second=1.0) is None   # level 1 at t=10
    assert buckets.try_acquire("token", capacity=2, leak_per_second=1.0) is None   # level 2, still t=10
    wait = buckets.try_acquire("token", capacity=2, leak_per_second=1.0)           # t=10.5: 1.5 left
    assert wait == pytest.approx(0.5)
