"""`make bench`: benchmarks against the sandbox, as ratios against a baseline measured in the same run.

Prints one table (case, goal, measured, pass) and writes it to bench/results.json. No absolute time
is a goal: a rate-bound case is measured against the vendor's documented bound, an overhead case
against a bare `requests` loop doing the same calls in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
TOKEN = "sandbox-kakaclo-token"
CASES: dict[str, Callable[[Sandbox, argparse.Namespace], list[Row]]] = {}


@dataclass
class Row:
    case: str
    goal: str
    measured: str
    passed: bool
    details: dict


def case(name: str):
    def register(fn):
        CASES[name] = fn
        return fn

    return register


class Sandbox:
    """The sandbox in its own process (as users run it), on a free loopback port."""

    def __init__(self, catalog_size: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).parent / "kakaclo-sandbox"
        self.proc = subprocess.Popen(
            [str(exe), "--host", "127.0.0.1", "--port", str(self.port), "--catalog-size", str(catalog_size)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                requests.get(f"{self.url}/_sandbox/switches", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.1)
        from airflow_provider_kakaclo.sandbox import SandboxClient

        self.control = SandboxClient(self.url)

    def connect(self, **extra) -> None:
        os.environ["AIRFLOW_CONN_KAKACLO_DEFAULT"] = json.dumps(
            {"conn_type": "kakaclo", "host": f"{self.url}/kakaclo", "password": TOKEN, "extra": extra})
        from airflow_provider_kakaclo.transport import limiter

        limiter._buckets.clear()  # a fresh client bucket for a freshly reset sandbox

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@case("kakaclo_stock_read")
def stock_read(sandbox: Sandbox, args) -> list[Row]:
    """N back-to-back stock calls of 30 SKUs: wall time / the leaky bucket's bound, and 429s.

    Bound: the first 120 calls fit the bucket, every further one waits 1/2 s: (N - 120) / 2 s.
    Beside it, the loop a DAG author would write without this provider (no limiter; on a 429 sleep a
    second and try again), same calls, same run.
    """
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    n = args.stock_calls
    bound = (n - 120) / 2
    skus = sandbox.control.kakaclo.skus(limit=n * 30)
    batches = [skus[i:i + 30] for i in range(0, len(skus), 30)][:n]

    sandbox.control.reset()
    sandbox.connect()
    hook = KakaCloHook()
    start = time.monotonic()
    for batch in batches:
        hook.get_stocks(skus=batch)
    ours = time.monotonic() - start
    ours_429 = sandbox.control.stats("kakaclo")["by_status"].get("429", 0)

    sandbox.control.reset()
    session = requests.Session()
    start = time.monotonic()
    for batch in batches:
        while True:
            r = session.get(f"{sandbox.url}/kakaclo/openapi/v1/product/stocks",
                            params={"skus": ",".join(batch)}, headers={"Authorization": f"Bearer {TOKEN}"})
            if r.status_code != 429:
                break
            time.sleep(1)
    naive = time.monotonic() - start
    naive_429 = sandbox.control.stats("kakaclo")["by_status"].get("429", 0)
    ratio = ours / bound
    return [
        Row("kakaclo_stock_read: wall / bound", "<= 1.05", f"{ratio:.3f}", ratio <= 1.05,
            {"calls": n, "bound_s": bound, "wall_s": round(ours, 2)}),
        Row("kakaclo_stock_read: HTTP 429", "0", str(ours_429), ours_429 == 0, {}),
        Row("kakaclo_stock_read: requests loop, no limiter (baseline)", "-",
            f"ratio {naive / bound:.3f}, {naive_429} x 429", True, {"wall_s": round(naive, 2)}),
    ]


@case("stock_sync_full")
def stock_sync_full(sandbox: Sandbox, args) -> list[Row]:
    """StockSyncOperator over the whole KakaClo catalog (20,000 SKUs): wall / bound, 429s, rows."""
    from airflow_provider_kakaclo.operators.stock import StockSyncOperator

    sandbox.control.reset(catalog_size=args.stock_skus)
    sandbox.connect()
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="kakaclo-bench-stock-")
    start = time.monotonic()
    result = StockSyncOperator(task_id="bench", source_conn_id="kakaclo_default").execute({})
    wall = time.monotonic() - start
    stats = sandbox.control.stats("kakaclo")
    calls = stats["by_route"].get("GET /openapi/v1/product/stocks", 0)
    bound = max(calls - 120, 0) / 2
    ratio = wall / bound if bound else float("nan")
    throttled = stats["by_status"].get("429", 0)
    return [
        Row(f"stock_sync_full ({args.stock_skus} SKUs): wall / bound", "<= 1.05", f"{ratio:.3f}", ratio <= 1.05,
            {"stock_calls": calls, "bound_s": bound, "wall_s": round(wall, 2), "rows": result["read"]}),
        Row("stock_sync_full: HTTP 429", "0", str(throttled), throttled == 0, {}),
    ]


@case("client_overhead")
def client_overhead(sandbox: Sandbox, args) -> list[Row]:
    """Limits off: our hook's calls per second / a bare requests.Session loop's, same calls (median of runs)."""
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    sandbox.control.reset(switches={"kakaclo": {"rate_limit_enabled": False}})
    sandbox.connect(rate_limit_burst=0)
    skus = sandbox.control.kakaclo.skus(limit=30)
    calls = args.overhead_calls
    hook = KakaCloHook()
    session = requests.Session()
    url = f"{sandbox.url}/kakaclo/openapi/v1/product/stocks"

    def ours() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            hook.get_stocks(skus=skus)
        return calls / (time.perf_counter() - start)

    def bare() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            r = session.get(url, params={"skus": ",".join(skus)}, headers={"Authorization": f"Bearer {TOKEN}"})
            r.raise_for_status()
            r.json()
        return calls / (time.perf_counter() - start)

    ours(), bare()  # warm up both connections
    samples = [(ours(), bare()) for _ in range(args.runs)]
    ratio = statistics.median(o / b for o, b in samples)
    return [Row("client_overhead: hook rps / bare requests rps", ">= 0.9", f"{ratio:.3f}", ratio >= 0.9,
                {"runs": args.runs, "calls": calls,
                 "ours_rps": [round(o, 1) for o, _ in samples], "bare_rps": [round(b, 1) for _, b in samples]})]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated subset")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stock-calls", type=int, default=300)
    parser.add_argument("--overhead-calls", type=int, default=200)
    parser.add_argument("--stock-skus", type=int, default=20000)
    parser.add_argument("--out", default=str(REPO / "bench" / "results.json"))
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="kakaclo-bench-"))
    sandbox = Sandbox(catalog_size=max(2000, args.stock_calls * 30))
    rows: list[Row] = []
    try:
        for name in args.cases.split(","):
            print(f"running {name} ...", flush=True)
            rows += CASES[name](sandbox, args)
    finally:
        sandbox.stop()
    width = max(len(r.case) for r in rows)
    print(f"\n{'case':{width}}  {'goal':8}  {'measured':28}  pass")
    for r in rows:
        print(f"{r.case:{width}}  {r.goal:8}  {r.measured:28}  {'yes' if r.passed else 'NO'}")
    Path(args.out).write_text(json.dumps([asdict(r) for r in rows], indent=2))
    print(f"\nwritten to {args.out}")
    return 0 if all(r.passed for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
