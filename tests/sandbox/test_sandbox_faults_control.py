"""Fault injection, stats, switches and reset through the control API (in-process)."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.sandbox.faults import ConnectionDropped
from tests.sandbox.sandbox_helpers import api, data, on_sale_skus, order_body

ORDERS = "/openapi/v2/order/orders"
BALANCE = "/openapi/v1/payment/balance"


def fault(client, **rule):
    response = client.post("/_sandbox/faults", json={"vendor": "kakaclo", **rule})
    assert response.status_code == 200, response.text
    return response.json()


def test_status_fault_answers_instead_of_the_vendor_for_count_calls(client):
    fault(client, method="GET", path=BALANCE, action="status", status=503, retry_after=7, count=2,
          body={"oops": True})
    for _ in range(2):
        response = api(client, "GET", BALANCE)
        assert (response.status_code, response.headers["retry-after"], response.json()) == (503, "7", {"oops": True})
    assert client.get("/_sandbox/faults").json() == {"faults": []}
    assert data(api(client, "GET", BALANCE))["currency"] == "USD"
    stats = client.get("/_sandbox/stats").json()["kakaclo"]
    assert stats["by_route_status"][f"GET {BALANCE}"] == {"503": 2, "200": 1} and stats["faults_fired"] == 2


def test_status_fault_does_not_process_a_create(client):
    fault(client, method="POST", path=ORDERS, action="status", status=500)
    assert api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0])).status_code == 500
    assert client.get("/_sandbox/kakaclo/orders").json()["count"] == 0


def test_envelope_fault_uses_the_vendor_error_shape(client):
    fault(client, method="POST", path=ORDERS, action="envelope", code=99999, message="system busy")
    response = api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0]))
    assert (response.status_code, response.json()) == (200, {"code": 99999, "message": "system busy"})
    assert client.get("/_sandbox/kakaclo/orders").json()["count"] == 0


def test_path_may_be_a_template_and_method_filters(client):
    order_id = data(api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0])))
    fault(client, method="POST", path="/openapi/v2/order/orders/{id}/refund", action="status", status=502)
    assert api(client, "GET", f"{ORDERS}/refund/{order_id}").status_code == 200  # other route untouched
    assert api(client, "POST", f"{ORDERS}/{order_id}/refund", json={}).status_code == 502
    assert data(api(client, "POST", f"{ORDERS}/{order_id}/refund", json={}))
    by_route = client.get("/_sandbox/stats", params={"vendor": "kakaclo"}).json()["by_route"]
    assert by_route["POST /openapi/v2/order/orders/{id}/refund"] == 2


def test_fault_fires_before_auth_and_rate_limit(client):
    fault(client, action="status", status=418)
    assert client.get(f"/kakaclo{BALANCE}").status_code == 418


def test_drop_after_commit_in_process_raises_but_commits(client):
    fault(client, method="POST", path=ORDERS, action="drop_after_commit")
    with pytest.raises(ConnectionDropped):
        api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0], customOrderId="lost"))
    assert client.get("/_sandbox/kakaclo/orders", params={"customOrderId": "lost"}).json()["count"] == 1
    assert client.get("/_sandbox/stats").json()["kakaclo"]["by_status"] == {"dropped": 1}


def test_drop_before_does_not_process(client):
    fault(client, method="POST", path=ORDERS, action="drop_before")
    with pytest.raises(ConnectionDropped):
        api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0]))
    assert client.get("/_sandbox/kakaclo/orders").json()["count"] == 0


def test_unlimited_rule_and_clearing(client):
    fault(client, action="status", status=500, count=None)
    assert [api(client, "GET", BALANCE).status_code for _ in range(3)] == [500] * 3
    assert client.get("/_sandbox/faults").json()["faults"][0]["remaining"] is None
    assert client.delete("/_sandbox/faults").json() == {"removed": 1}
    assert api(client, "GET", BALANCE).status_code == 200


@pytest.mark.parametrize("rule", [
    {"action": "explode"},
    {"action": "status"},
    {"action": "envelope"},
    {"action": "hang"},
    {"action": "status", "status": 503, "count": 0},
    {"action": "status", "status": 503, "path": "no-slash"},
    {"action": "status", "status": 503, "vendor": "acme"},
    {"action": "status", "status": 503, "colour": "red"},
])
def test_bad_fault_rules_are_refused(client, rule):
    response = client.post("/_sandbox/faults", json={"vendor": "kakaclo", **rule})
    assert response.status_code == 400 and response.json()["detail"]


def test_unknown_routes_and_methods_answer_in_the_vendor_envelope(client):
    missing = api(client, "GET", "/openapi/v9/nothing")
    assert (missing.status_code, missing.json()["code"]) == (404, 40404)
    wrong = api(client, "DELETE", ORDERS)
    assert (wrong.status_code, wrong.json()["code"]) == (405, 40500)


def test_switches_get_patch_validate(client):
    switches = client.get("/_sandbox/switches").json()["kakaclo"]
    assert switches["duplicate_custom_order_id"] == "allow" and switches["rate_limit_capacity"] == 120
    assert client.patch("/_sandbox/switches", json={"kakaclo": {"nope": 1}}).status_code == 400
    assert client.patch("/_sandbox/switches", json={"kakaclo": {"insufficient_balance": "maybe"}}).status_code == 400
    bad_mix = {"kakaclo": {"retry_after_header": True, "rate_limit_capacity": "lots"}}
    assert client.patch("/_sandbox/switches", json=bad_mix).status_code == 400
    assert client.get("/_sandbox/switches").json()["kakaclo"]["retry_after_header"] is False  # all or nothing
    assert client.patch("/_sandbox/switches", json={"acme": {}}).status_code == 400
    specs = client.get("/_sandbox/switches/spec").json()["kakaclo"]
    by_name = {spec["name"]: spec for spec in specs}
    assert by_name["duplicate_custom_order_id"]["invented"] is False
    assert by_name["insufficient_balance"]["invented"] is True


def test_reset_restores_state_switches_faults_and_stats(client):
    sku = on_sale_skus(client)[0]
    data(api(client, "POST", ORDERS, json=order_body(sku)))
    client.patch("/_sandbox/switches", json={"kakaclo": {"duplicate_custom_order_id": "reject"}})
    fault(client, action="status", status=500, count=5)
    client.put("/_sandbox/kakaclo/tokens", json={"tokens": ["other"]})
    assert client.post("/_sandbox/reset").status_code == 200
    assert client.get("/_sandbox/kakaclo/orders").json()["count"] == 0
    assert client.get("/_sandbox/switches").json()["kakaclo"]["duplicate_custom_order_id"] == "allow"
    assert client.get("/_sandbox/faults").json()["faults"] == []
    assert client.get("/_sandbox/stats").json()["kakaclo"]["requests"] == 0
    assert data(api(client, "GET", BALANCE))["balance"] == 10000.0


def test_reset_with_overrides_and_bad_overrides(client):
    body = {"catalog_size": 40, "seed": 2, "balance": 12.5, "switches": {"kakaclo": {"balance_shape": "number"}}}
    assert client.post("/_sandbox/reset", json=body).status_code == 200
    assert client.get("/_sandbox/kakaclo/skus", params={"limit": 1000}).json()["total"] == 40
    assert data(api(client, "GET", BALANCE)) == 12.5
    assert client.post("/_sandbox/reset", json={"catalog_size": "big"}).status_code == 400
    assert client.post("/_sandbox/reset", json={"colour": 1}).status_code == 400
    assert client.post("/_sandbox/reset").status_code == 200  # back to the app settings
    assert client.get("/_sandbox/kakaclo/skus").json()["total"] == 600


def test_state_is_reachable_in_process(client):
    backend = client.app.sandbox.kakaclo
    data(api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0], customOrderId="r1")))
    assert backend.order_count("r1") == 1 and backend.order_count() == 1


def test_unknown_settings_are_refused():
    from airflow_provider_kakaclo.sandbox import create_app

    with pytest.raises(ValueError):
        create_app({"catalog_sise": 10})
    with pytest.raises(ValueError):
        create_app({"kakaclo": {"colour": 1}})
    with pytest.raises(ValueError):
        create_app({"switches": {"kakaclo": {"rate_limit_enabled": "yes"}}})


def test_a_refused_reset_changes_nothing(client):
    client.patch("/_sandbox/switches", json={"kakaclo": {"balance_shape": "number"}})
    data(api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0])))
    assert client.post("/_sandbox/reset", json={"balance": "lots"}).status_code == 400
    assert client.get("/_sandbox/switches").json()["kakaclo"]["balance_shape"] == "number"
    assert client.get("/_sandbox/kakaclo/orders").json()["count"] == 1
