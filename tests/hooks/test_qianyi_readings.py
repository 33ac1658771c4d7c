"""Spec 11b Q1-Q6: the flows that use Qianyi, under every reading the sandbox serves (one switch value each).

Cheap by design: the session's HTTP sandbox, a few hundred SKUs, one switch value per case. Expected
values come from the sandbox's control API (its own state), never from the hook under test.
"""

from __future__ import annotations

import logging
import math
import time

import pytest

from airflow_provider_kakaclo.hooks.qianyi import ClockError, QianyiHook
from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator
from airflow_provider_kakaclo.sandbox.qianyi.switches import SWITCHES
from airflow_provider_kakaclo.transport import (
    AuthenticationError,
    BusinessError,
    ThrottledError,
)
from tests.conftest import set_connection

SWITCH = {switch.name: switch for switch in SWITCHES}
READINGS = {
    "write_reply": SWITCH["write_reply"].choices,
    "unknown_biz_keys": SWITCH["unknown_biz_keys"].choices,
    "auth_error_code": SWITCH["auth_error_code"].choices,
    "unit_echo": SWITCH["unit_echo"].choices,
    "page_size_served_max": (200, 150, 100, 37),
    "timestamp_max_skew_seconds": (300, 0),
}
ALL_READINGS = [(name, value) for name, values in READINGS.items() for value in values]

SKU_BODY = {"title": "Mug", "weight": 350, "netWeight": 320, "weightUnit": "G", "length": 12, "width": 9,
            "height": 10, "dimensionUnit": "CM"}


def records(n: int, prefix: str = "RD") -> list[dict]:
    return [{"sku": f"{prefix}-{i:04d}", "title": f"Tee {i}", "weight_g": "180", "length_cm": "30",
             "width_cm": "20", "height_cm": "2", "price": "9.90", "category": "Women/Tops"} for i in range(n)]


def upsert(skus, **kwargs) -> dict:
    return SkuUpsertOperator(task_id="upsert", conn_id="qianyi_default", skus=skus, **kwargs).execute({})


def writes(sandbox) -> int:
    calls = sandbox.qianyi.calls()
    return sum(calls.get(name, 0) for name in ("INSERT_SKU_INFO", "UPDATE_SKU_INFO", "UPDATE_SKU_STATUS"))


def test_every_reading_listed_here_is_a_value_the_sandbox_accepts(sandbox):
    for name, value in ALL_READINGS:
        assert sandbox.set_switches("qianyi", **{name: value})["qianyi"][name] == value
    assert set(READINGS) <= set(SWITCH)


@pytest.mark.parametrize(("switch", "value"), ALL_READINGS)
def test_connection_test_stock_sync_and_sku_upsert_work_under_every_reading(qianyi_conn, sandbox, tmp_path,
                                                                             monkeypatch, switch, value):
    from airflow_provider_kakaclo.hooks.sql import sql_hook
    from airflow_provider_kakaclo.operators.stock import StockSyncOperator
    from airflow_provider_kakaclo.stock import StockTable

    sandbox.reset(qianyi={"sku_count": 40})
    sandbox.set_switches("qianyi", **{switch: value})
    ok, message = QianyiHook().test_connection()
    assert ok, message
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    result = StockSyncOperator(task_id="stock", source_conn_id="qianyi_default", table="qy_stock").execute({})
    truth = sorted(("qianyi", sku, warehouse, row["available"], row["allocated"])
                   for sku in sandbox.qianyi.skus(limit=1000)
                   for warehouse, row in sandbox.qianyi.inventory(sku).items())
    with StockTable(sql_hook(None, "stock"), "qy_stock") as table:
        assert table.rows("qianyi") == truth
    assert result["inserted"] == len(truth) > 0
    catalog = records(4, prefix="ALL")
    assert upsert(catalog)["created"] == 4
    assert [sandbox.qianyi.sku(r["sku"])["title"] for r in catalog] == [r["title"] for r in catalog]
    sandbox.qianyi.reset_calls()
    assert upsert(catalog)["unchanged"] == 4 and writes(sandbox) == 0


# ---------------------------------------------------------------------------------------- Q1
@pytest.mark.parametrize("reading", READINGS["write_reply"])
def test_q1_sku_writes_succeed_whatever_the_success_reply_carries(qianyi_conn, sandbox, reading):
    sandbox.set_switches("qianyi", write_reply=reading)
    hook = QianyiHook()
    assert isinstance(hook.insert_sku({"sku": "Q1-A", **SKU_BODY}), dict)
    hook.update_sku({"sku": "Q1-A", **SKU_BODY, "title": "Big mug"})
    hook.set_sku_status("Q1-A", False)
    stored = sandbox.qianyi.sku("Q1-A")
    assert (stored["title"], stored["enable"]) == ("Big mug", 0)
    assert sandbox.qianyi.calls_detail()["INSERT_SKU_INFO"] == {"calls": 1, "success": 1, "errors": {}, "faults": 0}


@pytest.mark.parametrize("reading", READINGS["write_reply"])
def test_q1_sku_upsert_creates_then_writes_nothing_under_every_write_reply(qianyi_conn, sandbox, reading):
    sandbox.set_switches("qianyi", write_reply=reading)
    catalog = records(12)
    first = upsert(catalog)
    assert (first["created"], first["failed"]) == (12, 0)
    assert all(sandbox.qianyi.sku(r["sku"])["title"] == r["title"] for r in catalog)
    sandbox.qianyi.reset_calls()
    catalog[3]["title"] = "Changed"
    second = upsert(catalog)
    assert (second["updated"], second["unchanged"], second["failed"]) == (1, 11, 0)
    assert writes(sandbox) == 1 and sandbox.qianyi.sku(catalog[3]["sku"])["title"] == "Changed"


# ---------------------------------------------------------------------------------------- Q2
def _order(sku: str, number: str, **extra) -> dict:
    return {"shop": "demo-shop", "onlineOrderNumber": number, "buyerMessage": "leave at door",
            "sellerRemarks": "gift", "buyer": {"receiverName": "Ada", "country": "GB", "address1": "1 Street",
                                               "buyerId": "B-77"},
            "skuList": [{"sku": sku, "quantity": 2, "payAmount": 3}], **extra}


@pytest.mark.parametrize("reading", READINGS["unknown_biz_keys"])
def test_q2_fields_a_production_client_sends_work_under_both_readings(qianyi_conn, sandbox, reading, caplog):
    sandbox.set_switches("qianyi", unknown_biz_keys=reading)
    sku = sandbox.qianyi.skus(limit=1)[0]
    hook = QianyiHook()
    with caplog.at_level(logging.WARNING):
        created = hook.create_sales_order(_order(sku, f"Q2-{reading}"))
        asn = hook.create_asn({"warehouseName": "FBA美国", "type": "PURCHASE", "customNumber": f"C-{reading}",
                               "asnSkuVOList": [{"sku": sku, "expectQuantity": 5}]})
    (stored,) = sandbox.qianyi.sales_orders(f"Q2-{reading}")
    assert stored["orderNumber"] == created["orderNumber"]
    assert (stored["buyer"]["buyerId"], stored["buyerMessage"], stored["sellerRemarks"]) == ("B-77", "leave at door",
                                                                                            "gift")
    (stored_asn,) = sandbox.qianyi.asns(f"C-{reading}")
    assert stored_asn["type"] == "PURCHASE" and stored_asn["asnNumber"] == asn["asnNumber"]
    assert "not in the vendor's docs" not in caplog.text  # these fields are known


@pytest.mark.parametrize("reading", READINGS["unknown_biz_keys"])
def test_q2_an_undocumented_field_is_sent_with_one_warning_or_named_when_refused(qianyi_conn, sandbox, reading,
                                                                                 caplog):
    sandbox.set_switches("qianyi", unknown_biz_keys=reading)
    sku = sandbox.qianyi.skus(limit=1)[0]
    order = _order(sku, "Q2-X", giftWrap=True)
    order["skuList"][0]["engraving"] = "A"
    with caplog.at_level(logging.WARNING, logger="airflow_provider_kakaclo.models.qianyi"):
        if reading == "ignore":
            QianyiHook().create_sales_order(order)
            assert sandbox.qianyi.sales_order_count("Q2-X") == 1
        else:
            with pytest.raises(BusinessError) as info:
                QianyiHook().create_sales_order(order)
            assert info.value.code == "DATA_INPUT_ERROR"
            assert "giftWrap" in info.value.message and "leave them out" in info.value.message
            assert sandbox.qianyi.sales_order_count("Q2-X") == 0
    warnings = [r.getMessage() for r in caplog.records if "not in the vendor's docs" in r.getMessage()]
    assert sorted(warnings) == sorted([
        "qianyi request field CreateSalesOrder.giftWrap is not in the vendor's docs: sent as given",
        "qianyi request field SalesOrderLine.engraving is not in the vendor's docs: sent as given"])
    assert sandbox.qianyi.call_count("CREATE_SALES_ORDER") == 1


# ---------------------------------------------------------------------------------------- Q3
@pytest.mark.parametrize("reading", READINGS["auth_error_code"])
def test_q3_a_wrong_secret_is_refused_credentials_under_both_codes(qianyi_conn, sandbox, monkeypatch, reading):
    sandbox.set_switches("qianyi", auth_error_code=reading)
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=f"{sandbox.base_url}/qianyi",
                   login="sandbox-qianyi-app", password="not-the-secret")
    with pytest.raises(AuthenticationError) as info:
        QianyiHook().query_warehouses()
    assert info.value.code == reading
    ok, message = QianyiHook().test_connection()
    assert not ok and "refused the credentials" in message


UNKNOWN_INNER = ["AUTH_FAILED", "SIGN_INVALID", "TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED", "APP_DISABLED",
                 "TIMESTAMP_EXPIRED", "sku.title.too.long", "E1234"]


@pytest.mark.parametrize("code", UNKNOWN_INNER)
def test_q3_an_unknown_inner_code_is_a_business_error_never_retried(qianyi_conn, sandbox, code):
    sandbox.qianyi.fail_next("INSERT_SKU_INFO", code=code, layer="biz", count=5)
    with pytest.raises(BusinessError) as info:
        QianyiHook().insert_sku({"sku": "Q3-A", **SKU_BODY})
    assert type(info.value) is BusinessError and not isinstance(info.value, (AuthenticationError, ThrottledError))
    assert info.value.code == code and sandbox.qianyi.call_count("INSERT_SKU_INFO") == 1
    sandbox.qianyi.clear_faults()
    sandbox.qianyi.fail_next("QUERY_WAREHOUSE_LIST", code=code, layer="biz", count=5)
    with pytest.raises(BusinessError) as info:
        QianyiHook().query_warehouses()
    assert type(info.value) is BusinessError and sandbox.qianyi.call_count("QUERY_WAREHOUSE_LIST") == 1


@pytest.mark.parametrize(("code", "expected"), [("APP_NOT_EXIST", AuthenticationError),
                                                ("AUTH_001", AuthenticationError),
                                                ("TOO_MANY_REQUESTS", ThrottledError)])
def test_q3_outer_platform_codes_keep_their_meaning(qianyi_conn, sandbox, code, expected):
    sandbox.qianyi.fail_next("QUERY_WAREHOUSE_LIST", code=code, count=10)
    hook = QianyiHook()
    hook.transport.sleep = lambda seconds: None
    with pytest.raises(expected):
        hook.query_warehouses()


# ---------------------------------------------------------------------------------------- Q4
@pytest.mark.parametrize("reading", READINGS["unit_echo"])
@pytest.mark.parametrize("units", [("G", "CM"), ("g", "cm"), ("Kg", "Cm")])
def test_q4_units_echoed_in_another_case_do_not_rewrite_every_sku(qianyi_conn, sandbox, reading, units):
    from airflow_provider_kakaclo.skus import to_qianyi

    sandbox.set_switches("qianyi", unit_echo=reading)

    def mapping(record):
        return {**to_qianyi(record), "weightUnit": units[0], "dimensionUnit": units[1], "cartonWeightUnit": units[0]}

    catalog = records(15, prefix="U")
    assert upsert(catalog, mapping=mapping)["created"] == 15
    assert sandbox.qianyi.sku(catalog[0]["sku"])["weightUnit"] == units[0]  # stored as sent
    listed = sandbox.qianyi.biz("sku", "QUERY_SIMPLE_LIST_SKU", {"page": 1, "pageSize": 1, "skus": [catalog[0]["sku"]]})
    echoed = listed["result"][0]["weightUnit"]  # what the server answers (a signed call, not the hook)
    assert echoed == {"as_sent": units[0], "upper": units[0].upper(), "lower": units[0].lower()}[reading]
    sandbox.qianyi.reset_calls()
    second = upsert(catalog, mapping=mapping)
    assert (second["updated"], second["unchanged"]) == (0, 15)
    assert writes(sandbox) == 0


# ---------------------------------------------------------------------------------------- Q5
@pytest.mark.parametrize("cap", READINGS["page_size_served_max"])
def test_q5_lists_are_paged_by_total_when_the_server_serves_fewer_rows(qianyi_conn, sandbox, cap):
    sandbox.reset(qianyi={"sku_count": 450})
    sandbox.set_switches("qianyi", page_size_served_max=cap)
    skus = [s.sku for s in QianyiHook().iter_skus()]
    assert skus == sandbox.qianyi.skus(limit=1000)
    assert sandbox.qianyi.call_count("QUERY_SIMPLE_LIST_SKU") == math.ceil(450 / cap)
    wanted = sandbox.qianyi.skus(offset=50, limit=200)
    assert sorted(QianyiHook().read_skus(wanted)) == sorted(wanted)  # one id list of 200: every one found
    warehouse = "best warehouse(测试用)"
    truth = {sku: rows[warehouse]["available"] for sku in skus
             if warehouse in (rows := sandbox.qianyi.inventory(sku))}
    assert len(truth) > 200  # more than one page whatever the cap
    stock = {row.sku: row.available for row in QianyiHook().iter_stock(warehouses=[warehouse])}
    assert stock == truth


@pytest.mark.parametrize("cap", READINGS["page_size_served_max"])
def test_q5_sku_upsert_of_more_than_one_page_writes_each_sku_once(qianyi_conn, sandbox, cap):
    sandbox.set_switches("qianyi", page_size_served_max=cap)
    catalog = records(230, prefix="P")
    assert upsert(catalog)["created"] == 230
    sandbox.qianyi.reset_calls()
    again = upsert(catalog)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 230)
    assert writes(sandbox) == 0


# ---------------------------------------------------------------------------------------- Q6
@pytest.mark.parametrize("window", READINGS["timestamp_max_skew_seconds"])
@pytest.mark.parametrize("clock_off_seconds", [0, 290, -600, 3600])
def test_q6_ms_timestamps_and_a_clear_error_when_the_clock_is_off(qianyi_conn, sandbox, window, clock_off_seconds):
    sandbox.set_switches("qianyi", timestamp_max_skew_seconds=window)
    hook = QianyiHook()
    hook.transport.wire._clock = lambda: time.time() + clock_off_seconds
    if window and abs(clock_off_seconds) > window:
        with pytest.raises(ClockError) as info:
            hook.insert_sku({"sku": "Q6-A", **SKU_BODY})
        assert "this machine's clock reads" in info.value.message and "5 minutes" in info.value.message
        assert sandbox.qianyi.call_count("INSERT_SKU_INFO") == 1  # not retried: nothing was done
        assert sandbox.qianyi.sku_count() == 300
    else:
        hook.insert_sku({"sku": "Q6-A", **SKU_BODY})
        assert sandbox.qianyi.sku("Q6-A")["title"] == "Mug"
