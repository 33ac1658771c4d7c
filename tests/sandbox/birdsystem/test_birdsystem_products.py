"""BirdSystem products (spec §2-§5): auth, ExtJS lists and filters, create, update and status rules."""

from __future__ import annotations

import json

import pytest

from airflow_provider_kakaclo.sandbox.birdsystem.catalog import CLIENT_PRODUCT_TRANSITIONS, PRODUCT_STATUSES
from tests.sandbox.birdsystem.bs_helpers import bs, control, failed, filter_param, ok, products

PRODUCT = "/client/Product"
BS_PY_FORM = ("name=test&name_customs=test&material=test&usage=test&brand=test&customs_category_id=591"
              "&customs_category_code=GB8529905000" + "&product_product_customs_property[]=0" * 10 +
              "&note=&client_ref=&commodity_code=&company_product-is_shared_internal=0&description="
              "&company_product-price=&company_product-cost=&price_customs_import=&price_customs_export=20"
              "&company_product-low_stock_level=&inventory_time=&status=PREPARING&id=")
FORM = {"content-type": "application/x-www-form-urlencoded"}
NEW = {"name": "测试产品", "name_customs": "test product", "customs_category_id": 591,
       "material": "ABS", "usage": "toy", "brand": "Birdy", "price_customs_import": "1.5", "price_customs_export": 2,
       "status": "PREPARING", "client_ref": "SKU-NEW-1", "weight": "120", "company_product-price": "9.99"}


def create(client, **changes):
    return bs(client, "POST", PRODUCT, json={**NEW, **changes})


def edit(client, product_id, company_id: str = "1001", **fields):
    """The documented edit (§5.4): POST /client/Product/ with the id and the changed fields, raw JSON."""
    return bs(client, "POST", f"{PRODUCT}/", json={"id": product_id, **fields}, company_id=company_id)


def switch(client, **values):
    response = client.patch("/_sandbox/switches", json={"birdsystem": values})
    assert response.status_code == 200, response.text


# --- auth (§2) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"api_key": "wrong", "company_id": "1001"},
                                     {"api_key": "sandbox-birdsystem-key"},
                                     {"api_key": "sandbox-birdsystem-key", "company_id": "1002"},
                                     {"api_key": "sandbox-birdsystem-key", "company_id": "abc"}])
def test_bad_credentials_answer_login_required(client, headers):
    response = client.get(f"/birdsystem{PRODUCT}", headers=headers)
    assert (response.status_code, response.json()) == (500, {"success": False, "message": "Login Required!"})


def test_auth_is_checked_before_routing_and_its_status_is_a_switch(client):
    assert failed(client.get("/birdsystem/no/such/path")) == "Login Required!"
    switch(client, auth_error_http_status=401)
    assert failed(client.get(f"/birdsystem{PRODUCT}"), 401) == "Login Required!"


def test_credentials_are_set_through_control_and_reset(client):
    control(client, "PUT", "/credentials", json={"api_keys": ["k2"], "company_ids": [1001, 1002]})
    assert failed(bs(client, "GET", PRODUCT)) == "Login Required!"  # the default key stopped working
    ok(client.get(f"/birdsystem{PRODUCT}", headers={"api_key": "k2", "company_id": "1002"}))
    client.post("/_sandbox/reset", json={"birdsystem": {"api_keys": ["k3"], "company_ids": [1036]}})
    ok(client.get(f"/birdsystem{PRODUCT}", headers={"api_key": "k3", "company_id": "1036"}))
    client.post("/_sandbox/reset", json={})
    assert control(client, "GET", "/credentials") == {"api_keys": ["sandbox-birdsystem-key"], "company_ids": [1001]}


# --- paths, envelopes, paging (§1, §3, §4) -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/client/Product", "/client/Product/", "/client/product", "/CLIENT/PRODUCT/"])
def test_paths_are_case_insensitive_with_or_without_slash(client, path):
    body = ok(bs(client, "GET", path, params={"limit": 3}))
    assert list(body) == ["total", "data", "success", "moduleName"]  # the seed sample's envelope
    assert body["total"] == 300 and len(body["data"]) == 3 and body["moduleName"] == "client"
    by_route = client.get("/_sandbox/stats", params={"vendor": "birdsystem"}).json()["by_route"]
    assert by_route == {"GET /client/Product": 1}


def test_a_fault_on_the_canonical_path_fires_for_any_spelling(client):
    client.post("/_sandbox/faults", json={"vendor": "birdsystem", "method": "GET", "path": PRODUCT,
                                          "action": "status", "status": 503})
    assert bs(client, "GET", "/client/product/").status_code == 503


def test_product_row_has_the_seed_fields_and_types(client):
    row = ok(bs(client, "GET", PRODUCT, params={"id": 2989003}))["data"][0]
    assert isinstance(row["id"], int) and isinstance(row["client_id"], int)
    assert row["status"] == "ACTIVE" and row["primary_keys"] == ["id"]
    assert row["sku"] == f"{row['client_id']} - {row['id']}" and row["company_ref"] == f"{row['client_id']}-{row['id']}"
    for name in ("weight", "length", "width", "depth", "live_stock", "frozen_stock", "company_product-live_stock",
                 "company_product-price", "price_customs_import", "inventory_time"):
        assert isinstance(row[name], str), name
    assert len(row) == 88  # exactly the 88 fields of the seed sample
    # the current pages answer the company fields unprefixed too; the seed sample has them null (a switch)
    assert (row["price"], row["is_shared_internal"]) == (row["company_product-price"],
                                                         row["company_product-is_shared_internal"])
    switch(client, company_fields_in_rows="seed")
    row = ok(bs(client, "GET", PRODUCT, params={"id": 2989003}))["data"][0]
    assert row["price"] is None and row["is_shared_internal"] is None and row["company_product-price"]


def test_paging_start_limit_page_and_minus_one(client):
    first = ok(bs(client, "GET", PRODUCT, params={"start": 0, "limit": 50}))["data"]
    second = ok(bs(client, "GET", PRODUCT, params={"start": 50, "limit": 50}))["data"]
    by_page = ok(bs(client, "GET", PRODUCT, params={"page": 2, "limit": 50}))["data"]
    everything = ok(bs(client, "GET", PRODUCT, params={"limit": -1}))["data"]
    assert [r["id"] for r in second] == [r["id"] for r in by_page]
    assert not {r["id"] for r in first} & {r["id"] for r in second}
    assert len(everything) == 300 and [r["id"] for r in everything[:100]] == [r["id"] for r in first + second]
    assert [r["id"] for r in everything] == sorted((r["id"] for r in everything), reverse=True)  # newest first
    assert len(ok(bs(client, "GET", PRODUCT))["data"]) == 25  # default_page_size


def test_total_type_and_order_switches(client):
    switch(client, total_type="string", default_order="id_asc")
    body = ok(bs(client, "GET", PRODUCT, params={"client_ref": "no-such-sku"}))
    assert body["total"] == "0" and body["data"] == []
    ids = [r["id"] for r in ok(bs(client, "GET", PRODUCT, params={"limit": 5}))["data"]]
    assert ids == sorted(ids) and ids[0] == 2989001


def test_get_by_id_in_query_or_path_is_a_one_row_list(client):
    by_query = ok(bs(client, "GET", PRODUCT, params={"id": "2989005"}))
    by_path = ok(bs(client, "GET", f"{PRODUCT}/2989005"))
    assert by_query == by_path and by_query["total"] == 1 and by_query["data"][0]["id"] == 2989005
    switch(client, product_path_get="off")
    assert failed(bs(client, "GET", f"{PRODUCT}/2989005"), 404)


def test_filters_plain_and_both_json_styles(client):
    active = {p["id"] for p in products(client, status="ACTIVE")
              if p["client_id"] in (4700, 4790, 4791)}
    plain = ok(bs(client, "GET", PRODUCT, params={"status": "ACTIVE", "limit": -1}))
    extjs3 = ok(bs(client, "GET", PRODUCT, params={"limit": -1, "filter": filter_param(
        {"type": "string", "comparison": "eq", "value": "ACTIVE", "field": "status"})}))
    extjs4 = ok(bs(client, "GET", PRODUCT, params={"limit": -1, "filter": filter_param(
        {"property": "status", "value": "ACTIVE"})}))
    assert {r["id"] for r in plain["data"]} == {r["id"] for r in extjs3["data"]} == {r["id"] for r in extjs4["data"]}
    assert {r["id"] for r in plain["data"]} == active and plain["total"] == len(active)
    numeric = ok(bs(client, "GET", PRODUCT, params={"filter": filter_param(
        {"type": "numeric", "comparison": "eq", "value": 2989007, "field": "id"})}))
    assert [r["id"] for r in numeric["data"]] == [2989007]
    ranged = ok(bs(client, "GET", PRODUCT, params={"limit": -1, "filter": filter_param(
        {"type": "numeric", "comparison": "gt", "value": 2989290, "field": "id"})}))
    assert sorted(r["id"] for r in ranged["data"]) == list(range(2989291, 2989301))


def test_flag_and_company_scoped_filters(client):
    shared = ok(bs(client, "GET", PRODUCT, params={"company_product-is_shared_internal": 1, "limit": -1}))
    assert shared["total"] > 0 and all(r["company_product-is_shared_internal"] == "1" for r in shared["data"])
    by_flag = ok(bs(client, "GET", PRODUCT, params={"limit": -1, "filter": filter_param(
        {"property": "company_product-is_shared_internal", "value": "true"})}))
    assert by_flag["total"] == shared["total"]


def test_unknown_filter_field_is_an_error_or_ignored(client):
    assert "no_such_field" in failed(bs(client, "GET", PRODUCT, params={"no_such_field": "x"}))
    assert "Invalid filter" in failed(bs(client, "GET", PRODUCT, params={"filter": "[not json"}))
    switch(client, unknown_filter_field="ignore")
    assert ok(bs(client, "GET", PRODUCT, params={"no_such_field": "x"}))["total"] == 300


def test_get_body_parameters_like_the_seed_postman_sample(client):
    body = ok(bs(client, "GET", PRODUCT, content=json.dumps({"status": "ACTIVE", "id": "2989003"}),
                 headers={"content-type": "application/json"}))
    assert body["total"] == 1 and body["data"][0]["id"] == 2989003
    assert ok(bs(client, "GET", PRODUCT, content=json.dumps({"status": "PENDING", "id": "2989003"}),
                 headers={"content-type": "application/json"}))["total"] == 0


def test_parent_and_child_account_switches(client):
    owners = {}
    for record in products(client):
        owners[record["client_id"]] = owners.get(record["client_id"], 0) + 1
    assert set(owners) == {4700, 4790, 4791}
    total = lambda **params: ok(bs(client, "GET", PRODUCT, params=params))["total"]  # noqa: E731
    assert total() == 300
    assert total(with_parent_client_product=0) == 300 - owners[4700]
    assert total(with_child_client_product=0) == 300 - owners[4791]
    assert total(with_parent_client_product=0, with_child_client_product=0) == owners[4790]


def test_select_fields(client):
    row = ok(bs(client, "GET", PRODUCT, params={"id": 2989003, "selectFields": "id,client_ref,status"}))["data"][0]
    assert set(row) == {"id", "client_ref", "status"}


# --- create (§5.3) ---------------------------------------------------------------------------------------


def test_create_json_answers_the_create_envelope(client, wall):
    body = ok(create(client))
    data = body["data"]
    assert isinstance(data["id"], str) and data["id"].isdigit() and data["status"] == "PREPARING"
    row = ok(bs(client, "GET", PRODUCT, params={"client_ref": "SKU-NEW-1"}))["data"][0]
    assert row["id"] == int(data["id"]) and row["client_id"] == 4790
    assert (row["price_customs_import"], row["price_customs_export"], row["weight"]) == ("1.50", "2.000", "120.00")
    assert row["company_product-price"] == "9.99" and row["customs_category_id"] == 591
    assert row["create_time"] == wall.now.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("missing", ["name", "name_customs", "price_customs_export"])
def test_current_page_required_fields(client, missing):
    assert failed(create(client, **{missing: ""})) == f"{missing} is required."
    assert ok(bs(client, "GET", PRODUCT, params={"client_ref": "SKU-NEW-1"}))["total"] == 0


@pytest.mark.parametrize("optional", ["customs_category_id", "material", "usage", "brand", "price_customs_import",
                                      "status"])
def test_fields_the_old_page_required_are_optional_now(client, optional):
    body = {k: v for k, v in NEW.items() if k != optional}
    assert ok(bs(client, "POST", PRODUCT, json=body))["data"]["status"] == "PREPARING"


@pytest.mark.parametrize("missing", ["customs_category_code", "material", "usage", "brand", "price_customs_import",
                                     "status"])
def test_old_page_required_fields_behind_a_switch(client, missing):
    switch(client, product_create_required="old_page")
    body = {**NEW, "customs_category_code": "GB8529905000"}
    assert failed(bs(client, "POST", PRODUCT, json={**body, missing: ""})) == f"{missing} is required."
    ok(bs(client, "POST", PRODUCT, json=body))


def test_customs_category_code_is_derived_from_the_id_not_taken(client):
    product_id = ok(create(client, customs_category_code="GB0000000000"))["data"]["id"]
    row = ok(bs(client, "GET", PRODUCT, params={"id": product_id}))["data"][0]
    assert (row["customs_category_id"], row["customs_category_code"]) == (591, "GB8529905000")
    ok(edit(client, product_id, customs_category_id=702))
    row = ok(bs(client, "GET", PRODUCT, params={"id": product_id}))["data"][0]
    assert (row["customs_category_id"], row["customs_category_code"]) == (702, "GB9503009000")
    assert "customs category" in failed(edit(client, product_id, customs_category_id=5))


def test_customs_lookups(client):
    categories = ok(bs(client, "GET", "/client/customs-category"))["data"]
    assert {c["code"] for c in categories} >= {"GB8529905000"} and all(len(c["id"]) == 10 for c in categories)
    one = ok(bs(client, "GET", f"/client/customs-category/{int(categories[0]['id'])}"))["data"]
    assert one["code"] == categories[0]["code"]
    properties = ok(bs(client, "GET", "/client/product-customs-property"))["data"]
    assert {p["special_type"] for p in properties} <= {"NORMAL", "CLOTHING", "BETTERY"}


def test_bs_py_web_form_needs_the_observed_switch(client):
    switch(client, product_create_required="old_page")
    assert failed(bs(client, "POST", "/client/product/", content=BS_PY_FORM, headers=FORM)) == \
        "price_customs_import is required."
    switch(client, product_create_required="observed")
    data = ok(bs(client, "POST", "/client/product/", content=BS_PY_FORM, headers=FORM))["data"]
    assert data["client_ref"] == f"4790-{data['id']}" and data["status"] == "PREPARING"  # empty SKU -> company_ref
    assert data["price_customs_import"] is None and data["customs_category_code"] == "GB8529905000"


def test_create_refuses_bad_values_and_warehouse_statuses(client):
    assert "number" in failed(create(client, weight="heavy"))
    assert "too long" in failed(create(client, name="x" * 101))
    assert "status" in failed(create(client, status="ACTIVE"))
    assert "status must be one of" in failed(create(client, status="SOLD"))
    assert failed(bs(client, "POST", PRODUCT, content="{bad", headers={"content-type": "application/json"}))


def test_client_ref_uniqueness_switch(client):
    ok(create(client))
    assert "already exists" in failed(create(client, client_ref="sku-new-1"))
    switch(client, client_ref_unique="allow")
    ok(create(client))
    assert ok(bs(client, "GET", PRODUCT, params={"client_ref": "SKU-NEW-1"}))["total"] == 2


# --- update (§5.4 INVENTED) and the status table (seed) -------------------------------------------------------


def test_post_with_id_updates_fields_and_status(client):
    product_id = ok(create(client))["data"]["id"]
    data = ok(edit(client, product_id, name="renamed", status="PENDING"))["data"]
    assert (data["id"], data["name"], data["status"], data["brand"]) == (product_id, "renamed", "PENDING", "Birdy")
    assert failed(edit(client, product_id, name="")) == "name is required."


def test_put_is_no_route_unless_switched_on(client):
    product_id = ok(create(client))["data"]["id"]
    assert failed(bs(client, "PUT", f"{PRODUCT}/{product_id}", json={"note": "x"}), 405)
    switch(client, product_put_route="on")
    assert ok(bs(client, "PUT", f"{PRODUCT}/{product_id}", json={"note": "x"}))["data"]["note"] == "x"


@pytest.mark.parametrize("source", PRODUCT_STATUSES)
def test_client_transition_table(client, source):
    product_id = ok(create(client))["data"]["id"]
    for target in PRODUCT_STATUSES:
        control(client, "PUT", f"/products/{product_id}/status", json={"status": source})
        response = edit(client, product_id, status=target)
        allowed = target == source or target in CLIENT_PRODUCT_TRANSITIONS.get(source, ())
        if allowed:
            assert ok(response)["data"]["status"] == target
        else:
            assert failed(response) == f"Product status can not be changed from {source} to {target}."
            assert control(client, "GET", f"/products/{product_id}")["product"]["status"] == source


def test_standard_flow_needs_the_warehouse(client):
    product_id = ok(create(client))["data"]["id"]
    ok(edit(client, product_id, status="PENDING"))
    assert failed(edit(client, product_id, status="REVIEWING"))
    control(client, "PUT", f"/products/{product_id}/status", json={"status": "REVIEWING"})
    control(client, "PUT", f"/products/{product_id}/status", json={"status": "ACTIVE"})
    assert ok(bs(client, "GET", PRODUCT, params={"id": product_id}))["data"][0]["status"] == "ACTIVE"


def test_only_own_products_can_be_updated(client):
    parent = products(client, client_id=4700)[0]["id"]
    assert failed(edit(client, parent, note="x")) == \
        f"Product with id {parent} does not belong to you."
    assert failed(edit(client, 999, note="x")) == \
        "Product with id 999 does not belong to you."


def test_repost_with_id_switch(client):
    product_id = ok(create(client))["data"]["id"]
    data = ok(bs(client, "POST", PRODUCT, data={"id": product_id, "note": "via post"}))["data"]
    assert data["id"] == product_id and data["note"] == "via post"
    switch(client, product_repost_with_id="reject")
    assert failed(bs(client, "POST", PRODUCT, data={"id": product_id, "note": "again"}))
    switch(client, product_repost_with_id="create")
    other = ok(create(client, id=product_id, client_ref="SKU-NEW-2"))["data"]["id"]
    assert other != product_id


def test_locked_product_edits_switch(client):
    active = products(client, status="ACTIVE", client_id=4790)[0]["id"]
    ok(edit(client, active, note="fine"))
    switch(client, locked_product_edits="reject")
    assert "can not be edited" in failed(edit(client, active, note="no"))
    ok(edit(client, active, status="PROBLEM"))  # status moves stay allowed
    ok(edit(client, active, note="now editable"))


def test_company_product_fields_are_per_site(client):
    control(client, "PUT", "/credentials", json={"company_ids": [1001, 1002]})
    product_id = ok(create(client))["data"]["id"]
    us = ok(bs(client, "GET", PRODUCT, params={"id": product_id}, company_id="1002"))["data"][0]
    assert us["company_product-price"] == "0.00"
    ok(edit(client, product_id, company_id="1002", **{"company_product-price": "5"}))
    assert ok(bs(client, "GET", PRODUCT, params={"id": product_id}, company_id="1002"))["data"][0][
        "company_product-price"] == "5.00"
    assert ok(bs(client, "GET", PRODUCT, params={"id": product_id}))["data"][0]["company_product-price"] == "9.99"


def test_seeded_data_is_deterministic(make_client):
    first = make_client(seed=5)
    same = make_client(seed=5)
    other = make_client(seed=6)
    page = lambda c: ok(bs(c, "GET", PRODUCT, params={"limit": -1}))["data"]  # noqa: E731
    assert page(first) == page(same) != page(other)
    assert {r["status"] for r in page(first)} == set(PRODUCT_STATUSES)
    assert ok(bs(make_client(birdsystem={"product_count": 40}), "GET", PRODUCT))["total"] == 40
