"""KakaClo's batch look-up (find_orders) scans exactly the creation window it is given: from ``since``,
to ``until`` or an hour past now, always in UTC whatever the machine's timezone.

Found by `make mutate`: dropping either bound, or the hour's length, survived every other test."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

BASE = "https://kakaclo.test"
ORDERS = json.loads((Path(__file__).parent.parent / "fixtures" / "kakaclo" / "orders_waiting_to_ship.json")
                    .read_text())
UTC = dt.timezone.utc
CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(params=["UTC", "Asia/Shanghai", "America/New_York"])
def machine_timezone(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def window(requests_mock) -> dict[str, str]:
    (request,) = requests_mock.request_history
    return {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items() if k.startswith("create")}


def utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@pytest.mark.parametrize(("since", "since_utc"), [
    (dt.datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC), "2026-03-01T12:00:05Z"),
    (dt.datetime(2026, 3, 1, 20, 0, 5, tzinfo=CHINA), "2026-03-01T12:00:05Z"),
    (dt.datetime(2026, 3, 1, 12, 0, 5), "2026-03-01T12:00:05Z"),  # naive: read as UTC
])
def test_the_scan_starts_at_since_and_ends_an_hour_past_now_in_utc(kakaclo_mock_conn, requests_mock,
                                                                  machine_timezone, since, since_utc):
    requests_mock.get(f"{BASE}/openapi/v2/order/orders", json=ORDERS)
    before = dt.datetime.now(UTC).replace(microsecond=0)
    found = KakaCloHook().find_orders(["1003", "not-there"], since=since)
    after = dt.datetime.now(UTC)
    assert list(found) == ["1003"] and len(found["1003"]) == 1
    asked = window(requests_mock)
    assert asked["createStartTime"] == since_utc
    end = utc(asked["createEndTime"])
    assert before + dt.timedelta(hours=1) <= end <= after + dt.timedelta(hours=1)


@pytest.mark.parametrize("until", [dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
                                   dt.datetime(2026, 3, 2, 8, 0, tzinfo=CHINA)])
def test_an_explicit_until_is_the_end_of_the_scan(kakaclo_mock_conn, requests_mock, until):
    requests_mock.get(f"{BASE}/openapi/v2/order/orders", json=ORDERS)
    KakaCloHook().find_orders(["1003"], since=dt.datetime(2026, 3, 1, tzinfo=UTC), until=until)
    assert window(requests_mock) == {"createStartTime": "2026-03-01T00:00:00Z",
                                     "createEndTime": "2026-03-02T00:00:00Z"}
