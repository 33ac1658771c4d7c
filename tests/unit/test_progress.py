"""Progress lines of long work: done / total, rate, time left, at most one line per interval."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_kakaclo.progress import Progress, duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("seconds", "text"), [(0, "0 s"), (59.4, "59 s"), (75, "1 min 15 s"),
                                               (3600, "1 h 0 min"), (4000, "1 h 6 min")])
def test_duration(seconds, text):
    assert duration(seconds) == text


def test_lines_at_most_once_per_interval_with_rate_and_time_left(caplog):
    clock = Clock()
    log = logging.getLogger("test.progress")
    progress = Progress(log, "stock sync x -> t", total=1000, every=30, clock=clock)
    with caplog.at_level(logging.INFO, logger="test.progress"):
        for _ in range(10):  # 10 s, 100 rows: nothing logged yet
            clock.now += 1
            progress.add(10)
        assert caplog.messages == []
        clock.now += 20  # 30 s in, 200 rows
        progress.add(100)
        clock.now += 1
        progress.add(10)  # within the interval: no second line
    (line,) = caplog.messages
    assert line.startswith("stock sync x -> t: 200/1,000 rows (20%), 6.7 rows/s")
    assert line.endswith("about 2 min 0 s left")


def test_unknown_total_says_how_many_so_far():
    clock = Clock()
    progress = Progress(logging.getLogger("x"), "SKU upsert into q", unit="SKUs", clock=clock)
    clock.now += 4
    progress.add(10)
    assert progress.line() == "SKU upsert into q: 10 SKUs so far, 2.5 SKUs/s"


def test_done_means_nothing_left():
    clock = Clock()
    progress = Progress(logging.getLogger("x"), "w", total=5, clock=clock)
    clock.now += 5
    progress.add(5)
    assert progress.line() == "w: 5/5 rows (100%), 1.0 rows/s"


def test_stock_sync_and_sku_upsert_log_progress(monkeypatch, sandbox, kakaclo_conn, qianyi_conn, tmp_path):
    """The operators' long loops report progress (every batch here, with the interval at 0)."""
    from airflow_provider_kakaclo import progress
    from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator
    from airflow_provider_kakaclo.operators.stock import StockSyncOperator

    lines: list[str] = []
    real_line = progress.Progress.line

    def spy(self, now=None):
        lines.append(real_line(self, now))
        return lines[-1]

    monkeypatch.setattr(progress, "DEFAULT_EVERY", 0.0)
    monkeypatch.setattr(progress.Progress, "line", spy)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))  # the embedded SQLite file goes there
    shard = sandbox.kakaclo.skus(limit=300)
    result = StockSyncOperator(task_id="s", source_conn_id=kakaclo_conn, skus=shard, batch_size=200).execute({})
    assert len(lines) == -(-result["read"] // 200)
    assert all(line.startswith(f"stock sync {kakaclo_conn} -> vendor_stock: ") for line in lines)
    assert f"{result['read']:,} rows so far" in lines[-1]
    lines.clear()
    skus = [{"sku": f"PRG-{i}", "title": f"Progress {i}", "price": "1.00"} for i in range(3)]
    SkuUpsertOperator(task_id="u", conn_id=qianyi_conn, skus=skus, dry_run=True).execute({})
    assert lines and lines[-1].startswith(f"SKU upsert into {qianyi_conn}: 3/3 SKUs (100%)")
