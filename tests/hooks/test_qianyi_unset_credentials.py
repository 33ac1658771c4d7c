"""A Qianyi connection without an appId or appSecret: the request is signed with exactly what is set
(empty), never with a stand-in value, so the vendor's refusal is about the connection as configured.

Found by `make mutate`: replacing an unset appId/appSecret by another text survived every test."""

from __future__ import annotations

import hashlib

import pytest

from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from tests.conftest import set_connection
from tests.hooks.test_qianyi_wire import BASE, form_of, sample


@pytest.mark.parametrize(("login", "password"), [(None, "s3cret"), ("", "s3cret"), ("APP", None), ("APP", ""),
                                                 (None, None)])
def test_an_unset_app_id_or_secret_is_signed_as_empty(monkeypatch, requests_mock, login, password):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=BASE, login=login, password=password,
                   extra={"backoff_initial": 0.001, "backoff_max": 0.01})
    requests_mock.post(f"{BASE}/api/v1/warehouse", json=sample("warehouse_list"))
    QianyiHook().query_warehouses(page=1, pageSize=1)
    form = form_of(requests_mock.last_request)
    assert form["appId"] == (login or "")
    expected = hashlib.md5(
        f"appId={login or ''}bizParam={form['bizParam']}serviceType=QUERY_WAREHOUSE_LIST"
        f"timestamp={form['timestamp']}{password or ''}".encode()).hexdigest()
    assert form["sign"] == expected
