"""What the stock table holds after a sync, read from the table itself, not from the operator's counts.

A sync that rewrote unchanged rows and still reported the right counts would pass every test that
checks the result dict; here every row carries a sentinel ``synced_at``/``source_updated_at`` before
the second sync, and exactly the rows the vendor changed may lose it.
"""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.hooks.sql import sql_hook
from airflow_provider_kakaclo.stock import StockTable
from tests.operators import test_stock

database = test_stock.database  # the fixture: the embedded SQLite file, and PostgreSQL when marked
sync = test_stock.sync

SENTINEL = "2000-01-01T00:00:00+00:00"


def table_state(database) -> dict[tuple[str, str], tuple]:
    """(sku, warehouse) -> (available, source_updated_at, synced_at), straight from the table."""
    conn_id, table = database
    with StockTable(sql_hook(conn_id, "stock"), table) as t, t._transaction() as cur:
        cur.execute(f"SELECT sku, warehouse, available, source_updated_at, synced_at FROM {table} "
                    "WHERE vendor = 'kakaclo'")
        return {(sku, wh): (available, source, synced) for sku, wh, available, source, synced in cur.fetchall()}


def stamp_every_row(database) -> None:
    conn_id, table = database
    with StockTable(sql_hook(conn_id, "stock"), table) as t, t._transaction() as cur:
        cur.execute(f"UPDATE {table} SET synced_at = '{SENTINEL}', source_updated_at = '{SENTINEL}'")


@pytest.fixture
def catalog(kakaclo_conn, sandbox):
    sandbox.reset(catalog_size=300)
    return sandbox.kakaclo.skus(limit=300)


@pytest.mark.parametrize("changes", [0, 1, 7])
def test_a_resync_writes_exactly_the_rows_the_vendor_changed(database, catalog, sandbox, changes):
    sync(database, batch_size=50)
    stamp_every_row(database)
    before = table_state(database)
    assert before and all(v[2] == SENTINEL for v in before.values())

    changed = {}
    for sku in catalog[3:3 + 11 * changes:11]:  # spread over several batches
        warehouse, qty = next(iter(sandbox.kakaclo.sku(sku)["warehouses"].items()))
        sandbox.kakaclo.set_stock(sku, warehouse, qty + 5)
        changed[(sku, warehouse)] = qty + 5
    result = sync(database, batch_size=50)

    after = table_state(database)
    assert after.keys() == before.keys()
    untouched = {key for key, (_, source, synced) in after.items() if (source, synced) == (SENTINEL, SENTINEL)}
    assert set(after) - untouched == set(changed)  # exactly the changed rows were written, nothing else
    assert all(after[key][0] == qty and after[key][2] > SENTINEL for key, qty in changed.items())
    assert all(after[key] == before[key] for key in untouched)
    assert (result["updated"], result["inserted"], result["unchanged"]) == (changes, 0, len(before) - changes)
