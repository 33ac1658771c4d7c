"""Per-serviceType counters, serviceType faults, shared faults/stats, reset, determinism, SandboxClient.qianyi."""

from __future__ import annotations

import json

import pytest
import requests

from airflow_provider_kakaclo.sandbox import SandboxClient, ThreadedSandbox, create_app
from airflow_provider_kakaclo.sandbox.faults import ConnectionDropped
from tests.sandbox.qianyi.qianyi_helpers import biz, biz_error, new_sku, ok, order, outer_error, post

QUERY = {"page": 1, "pageSize": 10}


def test_calls_are_counted_per_service_type_whatever_the_outcome(client):
    for _ in range(5):
        ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", QUERY))
    ok(post(client, "sku", "INSERT_SKU_INFO", new_sku("K-1")))
    biz_error(post(client, "sku", "INSERT_SKU_INFO", new_sku("K-1")))
    outer_error(post(client, "sku", "UPDATE_SKU_INFO", new_sku("K-1"), secret="bad"))
    client.post("/qianyi/api/v1/sku", content=b"{}", headers={"content-type": "application/json"})  # no serviceType
    assert client.get("/_sandbox/qianyi/calls").json() == {"QUERY_SIMPLE_LIST_SKU": 5, "INSERT_SKU_INFO": 2,
                                                           "UPDATE_SKU_INFO": 1}
    detail = client.get("/_sandbox/qianyi/calls/detail").json()
    assert detail["INSERT_SKU_INFO"] == {"calls": 2, "success": 1, "errors": {"DATA_INPUT_ERROR": 1}, "faults": 0}
    assert detail["UPDATE_SKU_INFO"]["errors"] == {"AUTH_001": 1}
    assert client.get("/_sandbox/stats", params={"vendor": "qianyi"}).json()["by_route"] == {"POST /api/v1/sku": 9}


def test_counters_reset_with_the_sandbox_and_on_their_own(client):
    ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", QUERY))
    assert client.post("/_sandbox/qianyi/calls/reset").json() == {"reset": True}
    assert client.get("/_sandbox/qianyi/calls").json() == {}
    ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", QUERY))
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/qianyi/calls").json() == {}


def test_500_writes_are_counted_exactly(client):
    codes = client.get("/_sandbox/qianyi/skus", params={"limit": 250}).json()["skus"]
    client.patch("/_sandbox/switches", json={"qianyi": {"update_required_fields": "sku_only"}})
    for i in range(500):
        ok(post(client, "sku", "UPDATE_SKU_INFO", {"sku": codes[i % 250], "remarkName": f"r{i}"}))
    assert client.get("/_sandbox/qianyi/calls").json() == {"UPDATE_SKU_INFO": 500}


def test_service_type_fault_outer_error_is_not_processed(client):
    rule = client.post("/_sandbox/qianyi/faults", json={"service_type": "CREATE_SALES_ORDER"}).json()
    assert rule["action"] == "error" and rule["code"] == "SYSTEM_ERROR" and rule["remaining"] == 1
    ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", QUERY))  # other service types untouched
    body = outer_error(post(client, "salesOrder", "CREATE_SALES_ORDER", order("F-1", "QY-000001")))
    assert body == {"state": "failure", "errorCode": "SYSTEM_ERROR", "errorMsg": "系统异常,请联系官方人员",
                    "bizContent": None, "requestId": None}
    assert client.get("/_sandbox/qianyi/sales-orders").json()["count"] == 0
    assert ok(post(client, "salesOrder", "CREATE_SALES_ORDER", order("F-1", "QY-000001")))
    detail = client.get("/_sandbox/qianyi/calls/detail").json()["CREATE_SALES_ORDER"]
    assert detail == {"calls": 2, "success": 1, "errors": {"SYSTEM_ERROR": 1}, "faults": 1}


def test_service_type_fault_after_commit_loses_the_answer_but_keeps_the_write(client):
    client.post("/_sandbox/qianyi/faults", json={"service_type": "CREATE_SALES_ORDER", "after_commit": True})
    outer_error(post(client, "salesOrder", "CREATE_SALES_ORDER", order("LOST-1", "QY-000001")))
    assert client.get("/_sandbox/qianyi/sales-orders", params={"onlineOrderNumber": "LOST-1"}).json()["count"] == 1
    code, _ = biz_error(post(client, "salesOrder", "CREATE_SALES_ORDER", order("LOST-1", "QY-000001")))
    assert code == "order.id.exist"


def test_service_type_fault_biz_layer_status_and_counts(client):
    client.post("/_sandbox/qianyi/faults", json={"service_type": "QUERY_SIMPLE_LIST_SKU", "layer": "biz",
                                                 "code": "DATA_INPUT_ERROR", "message": "busy", "count": 2})
    for _ in range(2):
        assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", QUERY)) == ("DATA_INPUT_ERROR", "busy")
    ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", QUERY))
    client.post("/_sandbox/qianyi/faults", json={"service_type": "QUERY_ODO_LIST", "action": "status", "status": 502})
    assert post(client, "odo", "QUERY_ODO_LIST", QUERY).status_code == 502
    client.post("/_sandbox/qianyi/faults", json={"action": "error", "count": None, "code": "TOO_MANY_REQUESTS"})
    assert outer_error(post(client, "asn", "QUERY_ASN_LIST", QUERY))["errorCode"] == "TOO_MANY_REQUESTS"
    assert client.delete("/_sandbox/qianyi/faults").json() == {"removed": 1}
    assert client.post("/_sandbox/qianyi/faults", json={"action": "drop"}).status_code == 400
    assert client.post("/_sandbox/qianyi/faults", json={"action": "status"}).status_code == 400
    assert client.post("/_sandbox/qianyi/faults", json={"bogus": 1}).status_code == 400


def test_shared_faults_match_module_paths(client):
    response = client.post("/_sandbox/faults", json={"vendor": "qianyi", "method": "POST", "path": "/api/v1/salesOrder",
                                                     "action": "envelope", "code": 500, "message": "down"})
    assert response.status_code == 200, response.text
    ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", QUERY))
    body = outer_error(post(client, "salesOrder", "CREATE_SALES_ORDER", order("E-1", "QY-000001")))
    assert body["errorCode"] == "500" and body["errorMsg"] == "down"
    client.post("/_sandbox/faults", json={"vendor": "qianyi", "path": "/api/v1/salesOrder",
                                          "action": "drop_after_commit"})
    with pytest.raises(ConnectionDropped):
        post(client, "salesOrder", "CREATE_SALES_ORDER", order("E-2", "QY-000001"))
    assert client.get("/_sandbox/qianyi/sales-orders", params={"onlineOrderNumber": "E-2"}).json()["count"] == 1
    assert client.get("/_sandbox/stats").json()["qianyi"]["faults_fired"] == 2


def test_throttling_is_off_by_default_and_a_leaky_bucket_when_on(client, monotonic):
    for _ in range(30):
        ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}))
    client.patch("/_sandbox/switches", json={"qianyi": {"rate_limit_enabled": True, "rate_limit_capacity": 3,
                                                        "rate_limit_leak_per_second": 1.0}})
    for _ in range(3):
        ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}))
    throttled = post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {})
    assert outer_error(throttled)["errorCode"] == "TOO_MANY_REQUESTS"
    monotonic.advance(1.0)
    ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}))
    client.patch("/_sandbox/switches", json={"qianyi": {"throttle_http_status": 429}})
    assert outer_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}), 429)["errorCode"] == "TOO_MANY_REQUESTS"


def test_reset_restores_seeded_state(client):
    seeded = client.get("/_sandbox/qianyi/skus/QY-000001").json()
    ok(post(client, "sku", "INSERT_SKU_INFO", new_sku("R-1")))
    ok(post(client, "sku", "UPDATE_SKU_STATUS", {"sku": "QY-000001", "enable": 0}))
    ok(post(client, "salesOrder", "CREATE_SALES_ORDER", order("R-1", "QY-000001")))
    client.put("/_sandbox/qianyi/inventory", json={"warehouse": "FBA美国", "sku": "QY-000002", "available": 99999})
    assert client.get("/_sandbox/qianyi/skus/QY-000001").json()["enable"] == 0
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/qianyi/skus/QY-000001").json() == seeded
    assert client.get("/_sandbox/qianyi/skus/R-1").status_code == 404
    assert client.get("/_sandbox/qianyi/sales-orders").json()["count"] == 0
    assert client.get("/_sandbox/qianyi/inventory/QY-000002").json()["warehouses"].get(
        "FBA美国", {}).get("available") != 99999


def test_seeded_data_and_request_ids_are_deterministic(make_client):
    first, second = make_client(), make_client()
    a = post(first, "sku", "QUERY_SIMPLE_LIST_SKU", {"page": 2, "pageSize": 50})
    b = post(second, "sku", "QUERY_SIMPLE_LIST_SKU", {"page": 2, "pageSize": 50})
    assert a.json() == b.json()
    other = make_client(seed=12)
    assert post(other, "sku", "QUERY_SIMPLE_LIST_SKU", {"page": 2, "pageSize": 50}).json()["bizContent"] != \
        a.json()["bizContent"]


def test_sizes_and_settings(make_client):
    big = make_client(qianyi={"sku_count": 5000, "odo_count": 0, "asn_count": 3})
    assert ok(post(big, "sku", "QUERY_SIMPLE_LIST_SKU", {"pageSize": 1}))["total"] == 5000
    assert ok(post(big, "odo", "QUERY_ODO_LIST", {}))["total"] == 0
    assert ok(post(big, "asn", "QUERY_ASN_LIST", {}))["total"] == 3
    assert big.post("/_sandbox/reset", json={"qianyi": {"sku_count": -1}}).status_code == 400
    assert big.post("/_sandbox/reset", json={"qianyi": {"bogus": 1}}).status_code == 400
    assert ok(post(big, "sku", "QUERY_SIMPLE_LIST_SKU", {"pageSize": 1}))["total"] == 5000  # nothing changed
    empty = make_client(qianyi={"sku_count": 0})
    assert ok(post(empty, "sku", "QUERY_SIMPLE_LIST_SKU", {}))["total"] == 0


def test_switch_specs_label_every_switch(client):
    specs = client.get("/_sandbox/switches/spec").json()["qianyi"]
    assert {spec["name"] for spec in specs} >= {"update_mode", "page_size_over_max", "rate_limit_enabled",
                                                "enable_sku_alias", "timestamp_max_skew_seconds", "write_reply",
                                                "unit_echo", "page_size_served_max", "auth_error_code"}
    assert all(spec["source"] for spec in specs)
    assert next(s for s in specs if s["name"] == "update_mode")["invented"] is True


def test_sandbox_client_over_a_real_socket():
    with ThreadedSandbox(anchor="2024-06-01T00:00:00Z", qianyi={"sku_count": 50}) as sandbox:
        control = SandboxClient(sandbox.url).qianyi
        assert sandbox.client.qianyi.url == sandbox.url + "/qianyi"
        assert control.sku_count() == 50 and control.skus(48, 10) == ["QY-000049", "QY-000050"]
        assert control.sku("QY-000001")["sku"] == "QY-000001"
        for _ in range(5):
            assert control.biz("sku", "QUERY_SIMPLE_LIST_SKU", {"page": 1, "pageSize": 5})["total"] == 50
        assert control.calls() == {"QUERY_SIMPLE_LIST_SKU": 5} and control.call_count("QUERY_SIMPLE_LIST_SKU") == 5
        control.set_inventory("FBA美国", "QY-000003", available=4)
        assert control.inventory("QY-000003")["FBA美国"]["available"] == 4
        result = control.biz("salesOrder", "CREATE_SALES_ORDER", order("SC-1", "QY-000001"))["result"]
        assert control.sales_order_count("SC-1") == 1
        assert control.set_sales_order_status(result["orderNumber"], "SHIPPED")["status"] == "SHIPPED"
        created = control.biz("asn", "CREATE_ASN_ORDER", {"warehouseName": "FBA美国", "customNumber": "C-9",
                                                          "asnSkuVOList": [{"sku": "QY-000003", "expectQuantity": 6}]})
        assert control.asns("C-9")[0]["asnNumber"] == created["result"]["asnNumber"]
        control.set_asn_status(created["result"]["asnNumber"], "FINISHED")
        assert control.inventory("QY-000003")["FBA美国"]["available"] == 10
        control.fail_next("QUERY_WAREHOUSE_LIST", code="SYSTEM_ERROR")
        assert control.post("warehouse", "QUERY_WAREHOUSE_LIST", {})["errorCode"] == "SYSTEM_ERROR"
        assert control.faults() == [] and len(control.odos()) == 20 and len(control.warehouses()) == 5
        control.set_app("CSBD_TEST", "s")
        assert control.apps() == {"CSBD_TEST": "s"}
        assert control.post("warehouse", "QUERY_WAREHOUSE_LIST", {})["errorCode"] == "APP_NOT_EXIST"
        assert control.biz("warehouse", "QUERY_WAREHOUSE_LIST", {}, app_id="CSBD_TEST", app_secret="s")["total"] == 5
        control.reset_calls()
        assert control.calls() == {}
        sandbox.client.add_fault("qianyi", "POST", "/api/v1/sku", "drop_before")
        with pytest.raises(requests.exceptions.ConnectionError):
            control.post("sku", "QUERY_SIMPLE_LIST_SKU", {}, app_id="CSBD_TEST", app_secret="s")
        sandbox.client.reset()
        assert control.apps() == {"sandbox-qianyi-app": "sandbox-qianyi-secret"}


def test_in_process_backend_is_reachable():
    app = create_app({"anchor": "2024-06-01T00:00:00Z"})
    backend = app.sandbox.qianyi
    assert backend.sku_count == 300 and "QY-000300" in backend.skus
    assert json.loads(json.dumps(backend.sku_state("QY-000001")))["sku"] == "QY-000001"


def test_outer_success_envelope_shape(client):
    response = post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {"pageSize": 1})
    body = response.json()
    assert list(body) == ["state", "errorCode", "errorMsg", "bizContent", "requestId"]
    assert biz(response)["total"] == 5


def test_every_switch_is_in_the_readme():
    import re
    from pathlib import Path

    import airflow_provider_kakaclo.sandbox as sandbox_package
    from airflow_provider_kakaclo.sandbox.qianyi.switches import SWITCHES

    text = (Path(sandbox_package.__file__).parent / "README.md").read_text()
    section = text[text.index("## Qianyi ERP emulation"):]
    section = section[:section.find("\n## ", 5)] if "\n## " in section[5:] else section
    for switch in SWITCHES:
        row = re.search(rf"^\| `{switch.name}` \| `{re.escape(json.dumps(switch.default))}` \|.*$", section, re.M)
        assert row is not None, switch.name
        assert not switch.invented or "INVENTED" in row.group(0), switch.name
