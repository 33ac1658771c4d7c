"""StockSyncOperator from BirdSystem as the current wiki documents its stock call: ``ids`` is VARCHAR(255)."""

from __future__ import annotations

import re

import pytest

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
from airflow_provider_kakaclo.hooks.sql import sql_hook
from airflow_provider_kakaclo.operators.stock import StockSyncOperator
from airflow_provider_kakaclo.stock import StockTable
from airflow_provider_kakaclo.transport import BusinessError
from tests.conftest import set_connection


def use(monkeypatch, sandbox, **extra) -> None:
    set_connection(monkeypatch, "birdsystem_default", conn_type="birdsystem", host=f"{sandbox.base_url}/birdsystem",
                   password="sandbox-birdsystem-key", extra={"company_id": 1001, "read_timeout": 5, **extra})


def truth(sandbox) -> list[tuple]:
    """The table as it must read: own (and child-account) products, available = live - locked, per product."""
    own = list(BirdSystemHook().iter_products(with_parent_client_product=0))
    rows = []
    for product in own:
        site = sandbox.birdsystem.product(int(product.id))["stock"]["1001"]
        rows.append(("birdsystem", product.client_ref, "site-1001", site["available"], site["locked"]))
    return sorted(rows)


@pytest.fixture
def sync(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))

    def run(table: str = "bird_stock") -> tuple[dict, list[tuple]]:
        result = StockSyncOperator(task_id="stock", source_conn_id="birdsystem_default", table=table).execute({})
        with StockTable(sql_hook(None, "stock"), table) as stored:
            return result, sorted(r[:5] for r in stored.rows("birdsystem"))

    return run


@pytest.mark.parametrize("width", ["error", "truncate"])
def test_a_2000_product_account_never_sends_more_than_255_characters_of_ids(monkeypatch, sandbox, sync, width):
    sandbox.reset(birdsystem={"product_count": 2000}, switches={"birdsystem": {"available_quantity_ids_width": width}})
    use(monkeypatch, sandbox)
    seen: list[str] = []
    original = BirdSystemHook.call

    def spy(self, method, path, **kwargs):
        if "Available-Quantity" in path:
            seen.append((kwargs.get("params") or {}).get("ids", ""))
        return original(self, method, path, **kwargs)

    monkeypatch.setattr(BirdSystemHook, "call", spy)
    result, table = sync()
    assert table == truth(sandbox) and result["read"] == len(table) > 1500
    assert seen and max(len(ids) for ids in seen) <= 255
    assert sum(len(ids.split(",")) for ids in seen) == len(table)  # every product once


@pytest.mark.parametrize("paging", ["start_limit", "first_page"])
def test_stock_read_pages_reads_the_same_table_or_says_why_not(monkeypatch, sandbox, sync, paging):
    sandbox.reset(birdsystem={"product_count": 2600}, switches={"birdsystem": {"available_quantity_paging": paging}})
    use(monkeypatch, sandbox)
    _, by_ids = sync("by_ids")
    use(monkeypatch, sandbox, stock_read="pages")
    sandbox.reset_stats()
    if paging == "first_page":  # the account answers only the first 1,000 rows: stop, naming the reading
        with pytest.raises(BusinessError, match=re.escape("does not page stock by start/limit; use stock_read='ids'")):
            sync("by_pages")
        return
    _, by_pages = sync("by_pages")
    assert by_pages == by_ids == truth(sandbox)
    calls = sandbox.stats("birdsystem")["by_route"]["GET /client/Product/Get-Product-Available-Quantity"]
    assert calls == 3  # 2,000+ stocked products, 1,000 rows a call, no ids


def test_two_live_products_with_one_client_ref_fail_that_sku_only(monkeypatch, sandbox):
    sandbox.set_switches("birdsystem", client_ref_unique="allow")
    use(monkeypatch, sandbox)
    hook = BirdSystemHook()
    for _ in range(2):
        hook.create_product({"name": "twin", "name_customs": "twin", "price_customs_export": 1, "client_ref": "TWIN"})
    with pytest.raises(BusinessError, match="2 live products carry client_ref 'TWIN'"):
        hook.get_product(client_ref="TWIN")
    assert "__error__" in hook.read_skus(["TWIN"])["TWIN"]
