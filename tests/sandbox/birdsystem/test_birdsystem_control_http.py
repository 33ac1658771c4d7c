"""BirdSystem over a real socket and the shared plumbing: SandboxClient.birdsystem, faults, rate limit,
reset, error rendering, switches documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from airflow_provider_kakaclo.sandbox import SandboxClient, ThreadedSandbox
from airflow_provider_kakaclo.sandbox.birdsystem.switches import SWITCHES
from airflow_provider_kakaclo.sandbox.client import SandboxControlError
from tests.sandbox.birdsystem.bs_helpers import ADDRESS, HEADERS, bs, failed, ok

README = Path(__file__).parents[3] / "airflow_provider_kakaclo" / "sandbox" / "README.md"


@pytest.fixture(scope="module")
def server():
    with ThreadedSandbox(catalog_size=50, anchor="2024-06-01T00:00:00Z") as sandbox:
        yield sandbox


@pytest.fixture
def control(server):
    client = SandboxClient(server.url)
    client.reset()
    return client


def post(server, path, **kwargs):
    return requests.post(f"{server.vendor_url('birdsystem')}{path}", headers=HEADERS, timeout=5, **kwargs)


def test_every_birdsystem_client_method(server, control):
    bird = control.birdsystem
    assert bird.url == server.vendor_url("birdsystem") == control.vendor_url("birdsystem")
    assert control.info()["vendors"]["birdsystem"]["prefix"] == "/birdsystem"
    product_id = bird.products(status="ACTIVE", client_id=4790)[0]["id"]
    assert bird.product(product_id)["product"]["status"] == "ACTIVE"
    stock = bird.set_stock(product_id, warehouse_id=11, live=20, locked=1, frozen=2)
    assert stock["stock"]["1001"]["warehouses"]["11"] == {"live": 20, "locked": 1, "frozen": 2}
    assert bird.set_stock(product_id, company_id=1002, live=3)["stock"]["1002"]["live"] == 3
    consignment_id = post(server, "/client/Consignment", data={"delivery_service_id": 10101, "sales_reference": "H-1",
                                                               **ADDRESS}).json()["data"]["id"]
    assert post(server, "/client/Consignment-Product", data={"consignment_id": consignment_id,
                                                             "product_id": product_id, "quantity": 2}).ok
    assert post(server, "/client/Consignment/Batch-Update-Status", data={"ids": consignment_id,
                                                                         "status": "PENDING"}).json()["success"]
    assert bird.consignment_count("H-1") == 1 and bird.consignments(sales_reference="H-1")[0]["id"] == consignment_id
    assert bird.consignments(status="PENDING", company_id=1001)[0]["lines"][0]["quantity"] == "2"
    assert bird.consignment(consignment_id)["stock_locked"] is True
    assert bird.advance_consignment(consignment_id, "FINISHED", delivery_reference="T-9")["delivery_reference"] == "T-9"
    assert bird.product(product_id)["stock"]["1001"]["live"] == 18
    assert bird.set_product_status(product_id, "DEPRECATED")["product"]["status"] == "DEPRECATED"
    assert bird.credentials() == {"api_keys": ["sandbox-birdsystem-key"], "company_ids": [1001]}
    assert bird.set_credentials(company_ids=[1001, 1036])["company_ids"] == [1001, 1036]
    assert bird.set_api_keys(["a", "b"]) == ["a", "b"]
    assert len(bird.sites()["sites"]) == 5
    with pytest.raises(SandboxControlError) as raised:
        bird.advance_consignment(consignment_id, "LOST")
    assert raised.value.status == 400
    with pytest.raises(SandboxControlError) as raised:
        bird.set_credentials(company_ids=[77])
    assert raised.value.status == 400


def test_drop_after_commit_loses_the_answer_not_the_consignment(server, control):
    control.fail_next("birdsystem", "POST", "/client/Consignment", after_commit=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        post(server, "/client/consignment/", data={"delivery_service_id": 10101, "sales_reference": "LOST-1",
                                                   **ADDRESS})
    assert control.birdsystem.consignment_count("LOST-1") == 1
    stats = control.stats("birdsystem")
    assert stats["by_route_status"]["POST /client/Consignment"] == {"dropped": 1}


def test_envelope_fault_uses_the_vendor_error_shape(server, control):
    control.add_fault("birdsystem", "GET", "/client/Product", "envelope", code=1, message="busy", status=500)
    response = requests.get(f"{server.vendor_url('birdsystem')}/client/Product", headers=HEADERS, timeout=5)
    assert (response.status_code, response.json()) == (500, {"success": False, "message": "busy"})


def test_rate_limit_is_off_by_default_and_answers_500_when_on(server, control):
    session = requests.Session()
    url = f"{server.vendor_url('birdsystem')}/client/Country"
    assert all(session.get(url, headers=HEADERS, timeout=5).ok for _ in range(30))
    control.set_switches("birdsystem", rate_limit_enabled=True, rate_limit_capacity=2, rate_limit_leak_per_second=0.0)
    answers = [session.get(url, headers=HEADERS, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 500]
    assert answers[2].json()["success"] is False and "Too many requests" in answers[2].json()["message"]
    assert session.get(url, headers={"api_key": "other", "company_id": "1001"}, timeout=5).json()["message"] == \
        "Login Required!"  # auth first, and refused calls do not fill the bucket


def test_reset_restores_the_seeded_state(server, control):
    product_id = control.birdsystem.products(status="ACTIVE")[0]["id"]
    before = control.birdsystem.product(product_id)
    control.birdsystem.set_product_status(product_id, "DELETED")
    control.reset()
    assert control.birdsystem.product(product_id) == before
    with pytest.raises(SandboxControlError):
        control.reset(birdsystem={"product_count": 0})
    with pytest.raises(SandboxControlError):
        control.reset(birdsystem={"no_such_setting": 1})
    control.reset(birdsystem={"product_count": 12})
    assert len(control.birdsystem.products()) == 12


def test_unexpected_exceptions_answer_in_the_vendor_shape(client):
    backend = client.app.sandbox.birdsystem

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    backend.visible_products = broken
    message = failed(bs(client, "GET", "/client/Product"))
    assert message.startswith("Internal error: RuntimeError")


@pytest.mark.parametrize("method, path, kwargs", [
    ("POST", "/client/Product", {"content": b"{oops", "headers": {"content-type": "application/json"}}),
    ("POST", "/client/Product", {"content": b"[1, 2]", "headers": {"content-type": "application/json"}}),
    ("POST", "/client/Consignment-Product", {"json": {"consignment_id": "1", "product_id": "x", "quantity": "a"}}),
    ("GET", "/client/Product", {"params": {"start": "x"}}),
    ("GET", "/client/Product", {"params": {"sort": "[bad"}}),
    ("GET", "/client/Product/Get-Product-Available-Quantity", {"params": {"ids": "abc"}}),
    ("POST", "/client/Consignment/Batch-Update-Status", {"data": {"ids": "", "status": "PENDING"}}),
    ("POST", "/client/Consignment-Upload/Temp-Consignment-Json", {"json": []}),
    ("GET", "/client/Temp-Consignment-Info/Convert-Into-Consignment", {"params": {"ids": "1", "start": "-3"}}),
    ("POST", "/client/Consignment/Post-Pending-Consignment-With-Products-Json", {"json": ["not an object"]}),
    ("POST", "/client/Consignment-Upload/Temp-Consignment-Json", {"json": [1, "two"]}),
    ("POST", "/client/Consignment", {"content": "\xff".encode("latin-1"),
                                     "headers": {"content-type": "application/x-www-form-urlencoded"}}),
])
def test_malformed_requests_never_escape_the_vendor_shape(client, method, path, kwargs):
    failed(bs(client, method, path, **kwargs))


def test_unknown_route_and_method(client):
    assert failed(bs(client, "GET", "/client/Warehouse"), 404) == "Page not found."
    assert failed(bs(client, "PATCH", "/client/Product"), 405) == "Method not allowed."


def test_lookups(client):
    assert ok(bs(client, "GET", "/client/public/company-list"))["total"] == 5
    countries = ok(bs(client, "GET", "/client/Country", params={"iso": "de"}))["data"]
    assert [c["name"] for c in countries] == ["Germany"]


def test_every_switch_is_in_the_readme():
    text = README.read_text()
    section = text[text.index("## BirdSystem emulation"):]
    for switch in SWITCHES:
        row = re.search(rf"^\| `{switch.name}` \|.*$", section, re.M)
        assert row is not None, switch.name
        assert not switch.invented or "INVENTED" in row.group(0), switch.name
