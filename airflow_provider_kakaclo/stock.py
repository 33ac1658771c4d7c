"""Stock rows, their diff, and the table they are kept in (any common-sql database).

The pure part (:class:`StockRow`, :func:`diff_batch`) has no I/O. :class:`StockTable` writes through
a common-sql hook with portable SQL (plain INSERT and UPDATE inside one transaction per batch), so an
interrupted run leaves whole batches or nothing, and a rerun converges without duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from typing import Any

COLUMNS = ("vendor", "sku", "warehouse", "available", "reserved", "source_updated_at", "synced_at")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$")


@dataclass(frozen=True, slots=True)
class StockRow:
    """One SKU's stock in one warehouse of one vendor.

    :param available: units that can be sold now.
    :param reserved: units held for orders (locked/allocated), where the vendor reports them.
    :param source_updated_at: the vendor's own update time of this figure, where it gives one.
    """

    vendor: str
    sku: str
    warehouse: str
    available: int
    reserved: int | None = None
    source_updated_at: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.vendor, self.sku, self.warehouse)

    def values(self) -> tuple[int, int | None]:
        return (self.available, self.reserved)


def diff_batch(existing: dict[tuple[str, str, str], tuple], incoming: Iterable[StockRow]):
    """Split a batch into rows to insert, rows to update and the count of unchanged ones.

    ``existing`` maps a key to its stored ``(available, reserved)``. A row repeated in the batch
    counts once, with its last value.
    """
    latest: dict[tuple[str, str, str], StockRow] = {}
    for row in incoming:
        latest[row.key] = row
    inserts, updates, unchanged = [], [], 0
    for key, row in latest.items():
        if key not in existing:
            inserts.append(row)
        elif tuple(existing[key]) != row.values():
            updates.append(row)
        else:
            unchanged += 1
    return inserts, updates, unchanged


def batched(rows: Iterable[StockRow], size: int) -> Iterator[list[StockRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def check_identifier(name: str) -> str:
    """Table names are interpolated into SQL: accept plain (optionally schema-qualified) identifiers only."""
    if not _IDENTIFIER.match(name or ""):
        raise ValueError(f"table must be a plain SQL identifier like 'vendor_stock' or 'ops.vendor_stock', "
                         f"got {name!r}")
    return name


class StockTable:
    """The current-stock table: created if missing, written batch by batch in transactions.

    Schema (portable SQL)::

        vendor VARCHAR(32), sku VARCHAR(255), warehouse VARCHAR(100), available INTEGER,
        reserved INTEGER NULL, source_updated_at VARCHAR(40) NULL, synced_at VARCHAR(40),
        PRIMARY KEY (vendor, sku, warehouse)

    plus ``<table>_watermark (vendor, source, window_end)`` for incremental syncs.
    """

    def __init__(self, db: Any, table: str) -> None:
        self.db = db
        self.table = check_identifier(table)
        self.ph = db.placeholder
        self._conn: Any = None

    def __enter__(self) -> StockTable:
        self._conn = self.db.get_conn()
        return self

    def __exit__(self, *exc: Any) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    @contextmanager
    def _transaction(self):
        """One transaction on the table's connection: committed whole, or rolled back whole."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("use StockTable as a context manager")
        cur = conn.cursor()
        try:
            yield cur
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def ensure(self) -> None:
        with self._transaction() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (vendor VARCHAR(32) NOT NULL, sku VARCHAR(255) NOT NULL, "
                "warehouse VARCHAR(100) NOT NULL, available INTEGER NOT NULL, reserved INTEGER, "
                "source_updated_at VARCHAR(40), synced_at VARCHAR(40) NOT NULL, "
                "PRIMARY KEY (vendor, sku, warehouse))"
            )
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table}_watermark (vendor VARCHAR(32) NOT NULL, "
                "source VARCHAR(250) NOT NULL, window_end VARCHAR(40) NOT NULL, PRIMARY KEY (vendor, source))"
            )

    def apply(self, batch: list[StockRow]) -> tuple[list[StockRow], list[StockRow], int]:
        """Write one batch in one transaction; return (inserted, updated, unchanged)."""
        if not batch:
            return [], [], 0
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        ph = self.ph
        with self._transaction() as cur:
            existing: dict[tuple[str, str, str], tuple] = {}
            for vendor in {r.vendor for r in batch}:
                skus = sorted({r.sku for r in batch if r.vendor == vendor})
                cur.execute(
                    f"SELECT sku, warehouse, available, reserved FROM {self.table} "
                    f"WHERE vendor = {ph} AND sku IN ({', '.join([ph] * len(skus))})",
                    (vendor, *skus),
                )
                existing.update({(vendor, s, w): (a, r) for s, w, a, r in cur.fetchall()})
            inserts, updates, unchanged = diff_batch(existing, batch)
            if inserts:
                cur.executemany(
                    f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES ({', '.join([ph] * len(COLUMNS))})",
                    [(*r.key, r.available, r.reserved, r.source_updated_at, now) for r in inserts],
                )
            if updates:
                cur.executemany(
                    f"UPDATE {self.table} SET available = {ph}, reserved = {ph}, source_updated_at = {ph}, "
                    f"synced_at = {ph} WHERE vendor = {ph} AND sku = {ph} AND warehouse = {ph}",
                    [(r.available, r.reserved, r.source_updated_at, now, *r.key) for r in updates],
                )
        return inserts, updates, unchanged

    def watermark(self, vendor: str, source: str) -> str | None:
        with self._transaction() as cur:
            cur.execute(f"SELECT window_end FROM {self.table}_watermark WHERE vendor = {self.ph} "
                        f"AND source = {self.ph}", (vendor, source))
            row = cur.fetchone()
        return row[0] if row else None

    def set_watermark(self, vendor: str, source: str, window_end: str) -> None:
        ph = self.ph
        with self._transaction() as cur:
            cur.execute(f"DELETE FROM {self.table}_watermark WHERE vendor = {ph} AND source = {ph}", (vendor, source))
            cur.execute(f"INSERT INTO {self.table}_watermark (vendor, source, window_end) VALUES ({ph}, {ph}, {ph})",
                        (vendor, source, window_end))

    def rows(self, vendor: str | None = None) -> list[tuple]:
        """Every stored row, sorted (tests and small tables)."""
        with self._transaction() as cur:
            if vendor:
                cur.execute(f"SELECT vendor, sku, warehouse, available, reserved FROM {self.table} "
                            f"WHERE vendor = {self.ph} ORDER BY vendor, sku, warehouse", (vendor,))
            else:
                cur.execute(f"SELECT vendor, sku, warehouse, available, reserved FROM {self.table} "
                            "ORDER BY vendor, sku, warehouse")
            return [tuple(r) for r in cur.fetchall()]
