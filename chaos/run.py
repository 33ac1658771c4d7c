"""`make chaos`: the fault campaign. Orders placed under injected faults, syncs interrupted and rerun.

Everything runs against a sandbox on loopback, bounded in count and time, and stops by itself.
Prints one table (scenario, runs, faults injected, expected, observed, holds) and exits non-zero if a
row does not hold. `tests/test_chaos.py` runs a reduced campaign inside `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
KAKACLO_TOKEN = "sandbox-kakaclo-token"
ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Chaos Monkey", "province": "CA"}
CREATE = "/openapi/v2/order/orders"


@dataclass
class Row:
    scenario: str
    runs: int
    faults: Counter = field(default_factory=Counter)
    expected: str = ""
    observed: str = ""
    holds: bool = False


class TI:
    def __init__(self, run_id: str) -> None:
        self.dag_id, self.run_id, self.task_id, self.map_index = "chaos", run_id, "place", -1

    def xcom_push(self, key, value) -> None:
        pass


def context(run_id: str) -> dict:
    return {"ti": TI(run_id), "dag_run": SimpleNamespace(start_date=None, queued_at=None),
            "task_state_store": None}


def set_kakaclo(url: str, token: str) -> None:
    os.environ["AIRFLOW_CONN_KAKACLO_DEFAULT"] = json.dumps({
        "conn_type": "kakaclo", "host": f"{url}/kakaclo", "password": token,
        "extra": {"rate_limit_burst": 0, "read_timeout": 1.0, "backoff_initial": 0.01, "backoff_max": 0.2}})


def set_birdsystem(url: str) -> None:
    os.environ["AIRFLOW_CONN_BIRDSYSTEM_DEFAULT"] = json.dumps({
        "conn_type": "birdsystem", "host": f"{url}/birdsystem", "password": "sandbox-birdsystem-key",
        "extra": {"company_id": 1001, "read_timeout": 1.0, "backoff_initial": 0.01, "backoff_max": 0.2}})


def attempt_with_retries(run, retries: int = 6) -> tuple[object, int]:
    """Run a task the way Airflow would: from the top again after each failure (bounded)."""
    last = None
    for attempt in range(1, retries + 1):
        try:
            return run(), attempt
        except Exception as err:
            last = err
            time.sleep(0.05)
    raise RuntimeError(f"still failing after {retries} tries: {last}")


KILL_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[3])
from chaos.run import context
from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator
PlaceOrderOperator(task_id="place", conn_id=sys.argv[4], order=json.loads(sys.argv[1]),
                   check_stock=False, check_freight=False, check_balance=False).execute(context(sys.argv[2]))
"""


def kill_between_commit_and_reply(sandbox, vendor: str, path: str, order: dict, run_id: str, conn_id: str,
                                  count_orders) -> None:
    """Start the task in its own process, wait until the vendor committed, SIGKILL it before it reads."""
    from airflow_provider_kakaclo.operators.orders import stable_reference

    reference = stable_reference(context(run_id))
    sandbox.add_fault(vendor, "POST", path, "delay_after_commit", seconds=30)
    proc = subprocess.Popen([sys.executable, "-c", KILL_PROBE, json.dumps(order), run_id, str(REPO), conn_id],
                            env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while count_orders(reference) == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        sandbox.clear_faults(vendor)


def orders_kakaclo(sandbox, url: str, n: int, rng: random.Random, kills: int) -> Row:
    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, stable_reference

    row = Row("orders: KakaClo PlaceOrderOperator", n, expected=f"{n} orders, 0 duplicates, 0 lost")
    sandbox.reset(balance=10_000_000, switches={"kakaclo": {"rate_limit_enabled": False}})
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    sandbox.kakaclo.set_stock(sku, "G007", n * 10)
    token = KAKACLO_TOKEN
    set_kakaclo(url, token)
    order = {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}], "channelType": "Standard"}
    kinds = ["none", "hang_before", "drop_after_commit", "status_503", "storm_429", "rotate_token", "truncate"]
    kill_at = set(rng.sample(range(n), min(kills, n)))
    for i in range(n):
        run_id = f"chaos-k-{i}"
        kind = "sigkill" if i in kill_at else rng.choice(kinds)
        row.faults[kind] += 1
        if kind == "hang_before":
            sandbox.add_fault("kakaclo", "POST", CREATE, "hang", seconds=1.5)
        elif kind == "drop_after_commit":
            sandbox.fail_next("kakaclo", "POST", CREATE, after_commit=True)
        elif kind == "truncate":
            sandbox.add_fault("kakaclo", "POST", CREATE, "drop_after_commit", style="truncate")
        elif kind == "status_503":
            sandbox.fail_next("kakaclo", "POST", CREATE, status=503, count=rng.randint(1, 3))
        elif kind == "storm_429":
            sandbox.add_fault("kakaclo", None, None, "status", status=429, count=rng.randint(3, 8), retry_after=0.05)
        elif kind == "rotate_token":
            new = f"rotated-{i}-token"
            sandbox.kakaclo.rotate_token(token, new)
            token = new
            set_kakaclo(url, token)  # the connection is updated; the running hook re-reads it on 401
        elif kind == "sigkill":
            kill_between_commit_and_reply(sandbox, "kakaclo", CREATE, order, run_id, "kakaclo_default",
                                          lambda ref: sandbox.kakaclo.order_count(custom_order_id=ref))
        attempt_with_retries(lambda rid=run_id: PlaceOrderOperator(
            task_id="place", conn_id="kakaclo_default", order=order).execute(context(rid)))
        sandbox.clear_faults("kakaclo")
    refs = Counter(o.get("customOrderId") for o in sandbox.kakaclo.orders())
    wanted = {stable_reference(context(f"chaos-k-{i}")) for i in range(n)}
    duplicates = sum(c - 1 for ref, c in refs.items() if c > 1)
    lost = len(wanted - set(refs))
    row.observed = f"{sum(refs[r] for r in wanted)} orders, {duplicates} duplicates, {lost} lost"
    row.holds = row.observed == row.expected and set(refs) == wanted
    return row


def birdsystem_order(sandbox, url: str, n: int, contact: str) -> dict:
    """A fresh BirdSystem account with stock for ``n`` consignments, and one consignment's order."""
    from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook

    sandbox.reset()
    set_birdsystem(url)
    hook = BirdSystemHook()
    product = next(p for p in hook.iter_products(status="ACTIVE", with_parent_client_product=0)
                   if hook.get_available_quantity([p.id])[p.id].available >= 1)
    sandbox.birdsystem.set_stock(product.id, company_id=1001, live=n * 10, locked=0)
    service = next(s for s in hook.get_delivery_services() if s["name"] == "Royal Mail Tracked 48")
    return {"consignment": {"delivery_service_id": int(service["id"]), "contact": contact,
                            "address_line1": "1 Market St", "city": "London", "country_iso": "GB"},
            "lines": [{"product_id": int(product.id), "quantity": 1}]}


def orders_birdsystem(sandbox, url: str, n: int, rng: random.Random, kills: int) -> Row:
    from airflow_provider_kakaclo.hooks.birdsystem import ALL_IN_ONE
    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, stable_reference

    row = Row("orders: BirdSystem consignments (one request each)", n,
              expected=f"{n} consignments, 0 duplicates, 0 lost")
    order = birdsystem_order(sandbox, url, n, "Chaos Monkey")
    kinds = ["none", "hang_before", "drop_after_commit", "truncate", "status_503", "reply_list"]
    kill_at = set(rng.sample(range(n), min(kills, n)))
    sandbox.reset_stats()
    for i in range(n):
        run_id = f"chaos-b-{i}"
        kind = "sigkill" if i in kill_at else rng.choice(kinds)
        row.faults[kind] += 1
        sandbox.set_switches("birdsystem", all_in_one_response="list" if kind == "reply_list" else "map")
        if kind == "hang_before":
            sandbox.add_fault("birdsystem", "POST", ALL_IN_ONE, "hang", seconds=1.5)
        elif kind == "drop_after_commit":
            sandbox.fail_next("birdsystem", "POST", ALL_IN_ONE, after_commit=True)
        elif kind == "truncate":
            sandbox.add_fault("birdsystem", "POST", ALL_IN_ONE, "drop_after_commit", style="truncate")
        elif kind == "status_503":
            sandbox.fail_next("birdsystem", "POST", ALL_IN_ONE, status=503)
        elif kind == "sigkill":
            kill_between_commit_and_reply(
                sandbox, "birdsystem", ALL_IN_ONE, order, run_id, "birdsystem_default",
                lambda ref: sandbox.birdsystem.consignment_count(sales_reference=ref))
        attempt_with_retries(lambda rid=run_id: PlaceOrderOperator(
            task_id="place", conn_id="birdsystem_default", order=order).execute(context(rid)))
        sandbox.clear_faults("birdsystem")
    stats = sandbox.stats("birdsystem")
    consignments = [c for c in sandbox.birdsystem.consignments() if c.get("status") not in ("CANCELLED", "DELETED")]
    refs = Counter(c.get("custom_identity_reference") for c in consignments)
    wanted = {stable_reference(context(f"chaos-b-{i}")) for i in range(n)}
    duplicates = sum(c - 1 for c in refs.values() if c > 1)
    lost = len(wanted - set(refs))
    not_submitted = sum(1 for c in consignments if c.get("status") != "PENDING")
    row.observed = f"{sum(refs[r] for r in wanted)} consignments, {duplicates} duplicates, {lost} lost"
    row.holds = row.observed == row.expected and not_submitted == 0
    if not_submitted:
        row.observed += f" ({not_submitted} not submitted)"
    creates = stats["by_route"].get(f"POST {ALL_IN_ONE}", 0)
    row.observed += (f"; {stats['requests'] / n:.1f} requests per consignment, {creates / n:.2f} create "
                     "requests (retries and duplicate refusals included)")
    return row


def stock_interrupted(sandbox, url: str, runs: int, rng: random.Random) -> Row:
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
    from airflow_provider_kakaclo.hooks.sql import sql_hook
    from airflow_provider_kakaclo.operators.stock import StockSyncOperator
    from airflow_provider_kakaclo.stock import StockTable

    row = Row("stock sync killed mid-run, then rerun", runs, expected="table == vendor stock, every run")
    sandbox.reset(catalog_size=1200, switches={"kakaclo": {"rate_limit_enabled": False}})
    set_kakaclo(url, KAKACLO_TOKEN)
    real = KakaCloHook.iter_stock
    matches = 0
    for _run in range(runs):
        os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="kakaclo-chaos-stock-")
        for sku in sandbox.kakaclo.skus(offset=rng.randint(0, 1100), limit=5):  # the vendor moves on
            sandbox.kakaclo.set_stock(sku, "G007", rng.randint(0, 50))
        stop_at = rng.randint(1, 3000)
        row.faults[f"killed after {stop_at // 500 * 500}+ rows"] += 1

        def dies(self, _stop=stop_at, **kwargs):
            for n, item in enumerate(real(self, **kwargs)):
                if n == _stop:
                    raise KeyboardInterrupt("killed")
                yield item

        KakaCloHook.iter_stock = dies
        try:
            StockSyncOperator(task_id="s", source_conn_id="kakaclo_default", batch_size=rng.choice([50, 200, 500])
                              ).execute({})
        except KeyboardInterrupt:
            pass
        finally:
            KakaCloHook.iter_stock = real
        StockSyncOperator(task_id="s", source_conn_id="kakaclo_default").execute({})
        truth = sorted(("kakaclo", r.sku, r.warehouse, r.available, None) for r in KakaCloHook().iter_stock())
        with StockTable(sql_hook(None, "stock"), "vendor_stock") as table:
            matches += table.rows("kakaclo") == truth
    row.observed = f"{matches}/{runs} runs equal"
    row.holds = matches == runs
    return row


def upsert_interrupted(sandbox, url: str, runs: int, rng: random.Random) -> Row:
    from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
    from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator

    row = Row("SKU upsert failing mid-run, then rerun", runs, expected="Qianyi == source, every run")
    os.environ["AIRFLOW_CONN_QIANYI_DEFAULT"] = json.dumps({
        "conn_type": "qianyi", "host": f"{url}/qianyi", "login": "sandbox-qianyi-app",
        "password": "sandbox-qianyi-secret", "extra": {"backoff_initial": 0.01, "backoff_max": 0.1}})
    matches = 0
    for _run in range(runs):
        sandbox.reset()
        catalog = [{"sku": f"CH-{i:04d}", "title": f"Item {i} r{rng.randint(0, 3)}", "weight_g": "100",
                    "length_cm": "1", "width_cm": "1", "height_cm": "1"} for i in range(300)]
        kind = rng.choice(["drop_after_commit", "status_502"])
        row.faults[kind] += 1
        if kind == "drop_after_commit":
            sandbox.add_fault("qianyi", "POST", "/api/v1/sku", "drop_after_commit", count=rng.randint(1, 5))
        else:
            sandbox.fail_next("qianyi", "POST", "/api/v1/sku", status=502, count=rng.randint(1, 20))
        try:
            SkuUpsertOperator(task_id="u", conn_id="qianyi_default", skus=catalog, max_failures=300).execute({})
        except Exception:
            pass
        sandbox.clear_faults("qianyi")
        result = SkuUpsertOperator(task_id="u", conn_id="qianyi_default", skus=catalog).execute({})
        stored = {s.sku: s.title for s in QianyiHook().iter_skus(skus=[c["sku"] for c in catalog])}
        matches += stored == {c["sku"]: c["title"] for c in catalog} and result["failed"] == 0
    row.observed = f"{matches}/{runs} runs equal"
    row.holds = matches == runs
    return row


DRIP_DEADLINE = 1.0
#: Slack over the deadline for a call to count as ending "within" it: thread wake-up and socket close,
#: on a loaded 2-core machine (load average 14 measured: +2.3 s). Without the deadline, each of these
#: calls would last as long as its reply drips (tens of seconds to minutes).
DRIP_SLACK = 4.0
#: Every request/reply path the provider has, so no echoed secret can hide in an untested one.
ECHO_SHAPES = (
    ("status", {"status": 502, "body": "<html><h1>502 Bad Gateway</h1><pre>{credentials}</pre></html>"}),
    ("status", {"status": 401, "body": "unauthorized: {credentials}"}),
    ("status", {"status": 200, "body": "not json {credentials}"}),
    ("envelope", {"code": 40001, "message": "credential {credentials} is not valid"}),
)


class _Timed:
    """Records how long every HTTP exchange (sync and async) took, against its total deadline."""

    def __init__(self) -> None:
        from airflow_provider_kakaclo.transport.core import AsyncTransport, Transport

        self.calls: list[tuple[float, float, str]] = []
        self._sync, self._async = Transport._exchange, AsyncTransport._exchange
        timed = self

        def sync(transport, call, sent):
            started = time.monotonic()
            try:
                return timed._sync(transport, call, sent)
            finally:
                timed.calls.append((time.monotonic() - started, transport.settings.deadline, "sync"))

        async def async_(transport, call, sent):
            started = time.monotonic()
            try:
                return await timed._async(transport, call, sent)
            finally:
                timed.calls.append((time.monotonic() - started, transport.settings.deadline, "async"))

        Transport._exchange, AsyncTransport._exchange = sync, async_

    def restore(self) -> None:
        from airflow_provider_kakaclo.transport.core import AsyncTransport, Transport

        Transport._exchange, AsyncTransport._exchange = self._sync, self._async


def slow_drip(sandbox, url: str, runs: int, rng: random.Random) -> Row:
    """Replies that send their headers, then one byte every 0.2 s: reads, async reads and order writes."""
    import asyncio

    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, stable_reference

    row = Row("slow-drip replies (headers, then 1 byte / 0.2 s)", runs)
    sandbox.reset(balance=10_000_000, switches={"kakaclo": {"rate_limit_enabled": False}})
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    sandbox.kakaclo.set_stock(sku, "G007", runs * 10)
    os.environ["AIRFLOW_CONN_KAKACLO_DEFAULT"] = json.dumps({
        "conn_type": "kakaclo", "host": f"{url}/kakaclo", "password": KAKACLO_TOKEN,
        "extra": {"rate_limit_burst": 0, "read_timeout": 5.0, "total_timeout": DRIP_DEADLINE,
                  "backoff_initial": 0.01, "backoff_max": 0.1}})
    order = {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}], "channelType": "Standard"}
    timed = _Timed()
    placed: list[str] = []
    try:
        for i in range(runs):
            kind = rng.choice(["read", "async read", "order write"])
            row.faults[kind] += 1
            if kind == "read":
                sandbox.add_fault("kakaclo", "GET", "/openapi/v1/product/countryAndWarehouse", "drip",
                                  seconds=0.2, count=2)
                attempt_with_retries(lambda: KakaCloHook().get_warehouses())
            elif kind == "async read":
                sandbox.add_fault("kakaclo", "GET", CREATE, "drip", seconds=0.2, count=2)
                attempt_with_retries(lambda: asyncio.run(KakaCloHook().aget_order_statuses(["1000000000001"])))
            else:
                sandbox.add_fault("kakaclo", "POST", CREATE, "drip", seconds=0.2)
                run_id = f"chaos-drip-{i}"
                placed.append(stable_reference(context(run_id)))
                attempt_with_retries(lambda rid=run_id: PlaceOrderOperator(
                    task_id="place", conn_id="kakaclo_default", order=order).execute(context(rid)))
            sandbox.clear_faults("kakaclo")
    finally:
        timed.restore()
    late = [(elapsed, deadline) for elapsed, deadline, _ in timed.calls if elapsed > deadline + DRIP_SLACK]
    cut = sum(1 for elapsed, deadline, _ in timed.calls if elapsed >= deadline)
    refs = Counter(o.get("customOrderId") for o in sandbox.kakaclo.orders())
    duplicates = sum(refs[r] - 1 for r in placed if refs[r] > 1)
    lost = sum(1 for r in placed if not refs[r])
    longest = {kind: max((e for e, _, k in timed.calls if k == kind), default=0.0) for kind in ("sync", "async")}
    row.expected = (f"every call ends within its total deadline ({DRIP_DEADLINE:g} s + {DRIP_SLACK:g} s slack); "
                    f"{len(placed)} of {len(placed)} orders, 0 duplicates")
    row.observed = (f"{len(timed.calls) - len(late)}/{len(timed.calls)} calls within the deadline "
                    f"({cut} cut at it; longest sync {longest['sync']:.2f} s, async {longest['async']:.2f} s); "
                    f"{len(placed) - lost} of {len(placed)} orders, "
                    f"{duplicates} duplicates")
    row.holds = not late and not duplicates and not lost and cut > 0
    return row


class _Capture:
    """Every log record's text, while a row runs (the campaign silences warnings otherwise)."""

    def __enter__(self):
        import logging

        self.texts: list[str] = []
        self._handler = logging.Handler(logging.DEBUG)
        self._handler.emit = lambda record: self.texts.append(record.getMessage())
        self._disabled = logging.root.manager.disable
        logging.disable(logging.NOTSET)
        logging.getLogger().addHandler(self._handler)
        self._level = logging.getLogger().level
        logging.getLogger().setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc_info) -> None:
        import logging

        logging.getLogger().removeHandler(self._handler)
        logging.getLogger().setLevel(self._level)
        logging.disable(self._disabled)


class _XComTI(TI):
    def __init__(self, run_id: str, sink: list) -> None:
        super().__init__(run_id)
        self._sink = sink

    def xcom_push(self, key, value) -> None:
        self._sink.append(json.dumps(value, default=str))


def echoed_secrets(sandbox, url: str, runs: int, rng: random.Random) -> Row:
    """Vendors and gateways that quote the request's credentials back, on every path a text leaves by."""
    import asyncio

    from airflow_provider_kakaclo.capabilities import hook_for
    from airflow_provider_kakaclo.hooks.qianyi import QianyiWire
    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator
    from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger

    row = Row("replies echoing secrets (token, api_key, appSecret, signature)", runs,
              expected="0 secrets in any log, XCom, trigger event or error")
    sandbox.reset(balance=10_000_000, switches={"kakaclo": {"rate_limit_enabled": False}})
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    sandbox.kakaclo.set_stock(sku, "G007", runs * 10)
    set_kakaclo(url, KAKACLO_TOKEN)
    set_birdsystem(url)
    os.environ["AIRFLOW_CONN_QIANYI_DEFAULT"] = json.dumps({
        "conn_type": "qianyi", "host": f"{url}/qianyi", "login": "sandbox-qianyi-app",
        "password": "sandbox-qianyi-secret", "extra": {"backoff_initial": 0.01, "backoff_max": 0.1}})
    secrets = {KAKACLO_TOKEN, "sandbox-birdsystem-key", "sandbox-qianyi-secret"}
    real_authorize = QianyiWire.authorize

    def recording(wire, call):
        sent = real_authorize(wire, call)
        secrets.add(sent.multipart["sign"])
        return sent

    QianyiWire.authorize = recording
    order = {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}], "channelType": "Standard"}
    texts: list[str] = []
    places = {"kakaclo": ["read", "test_connection", "trigger", "order"],
              "birdsystem": ["read", "test_connection", "trigger"], "qianyi": ["read", "test_connection"]}
    try:
        with _Capture() as logs:
            for i in range(runs):
                vendor = rng.choice(["kakaclo", "birdsystem", "qianyi"])
                action, params = rng.choice(ECHO_SHAPES)
                where = rng.choice(places[vendor])
                row.faults[f"{vendor} {where}"] += 1
                path = CREATE if vendor == "kakaclo" and where in ("trigger", "order") else None
                sandbox.add_fault(vendor, "POST" if where == "order" else None, path, action, count=3, **params)
                conn_id = f"{vendor}_default"
                try:
                    if where == "read":
                        texts.append(hook_for(conn_id)._probe())
                    elif where == "test_connection":
                        texts.append(hook_for(conn_id).test_connection()[1])
                    elif where == "trigger":
                        trigger = OrderStatusTrigger(conn_id, "1000000000001", "shipped", poll_interval=0.01)
                        texts.append(json.dumps(asyncio.run(_first_event(trigger))))
                    else:
                        xcoms: list = []
                        try:
                            result = PlaceOrderOperator(task_id="place", conn_id=conn_id, order=order).execute(
                                {**context(f"chaos-echo-{i}"), "ti": _XComTI(f"chaos-echo-{i}", xcoms)})
                            texts.append(json.dumps(result, default=str))
                        finally:
                            texts.extend(xcoms)
                except Exception as err:
                    texts += [str(err), repr(err)]
                sandbox.clear_faults(vendor)
            texts += logs.texts
    finally:
        QianyiWire.authorize = real_authorize
    found = sum(text.count(secret) for text in texts for secret in secrets)
    row.observed = f"{found} secrets in {len(texts)} texts (logs, XComs, events, errors, test messages)"
    row.holds = found == 0 and len(texts) > runs
    return row


async def _first_event(trigger) -> dict:
    import asyncio

    agen = trigger.run()
    try:
        return (await asyncio.wait_for(agen.__anext__(), 60)).payload
    finally:
        await agen.aclose()


def hardening_rows(drips: int, echoes: int, seed: int) -> list[Row]:
    """Only the slow-drip and echoed-secret rows (for the reduced campaign in ``make test``)."""
    from airflow_provider_kakaclo.sandbox import SandboxClient, ThreadedSandbox

    rng = random.Random(seed)
    server = ThreadedSandbox(host="127.0.0.1", port=0).start()
    try:
        sandbox = SandboxClient(server.url)
        return [slow_drip(sandbox, server.url, drips, rng), echoed_secrets(sandbox, server.url, echoes, rng)]
    finally:
        server.stop()


BATCH_KILL_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[3])
from chaos.run import context
from airflow_provider_kakaclo.operators.orders import PlaceOrdersOperator
PlaceOrdersOperator(task_id="place", conn_id="kakaclo_default", orders=json.loads(sys.argv[1]),
                    max_failures=1000).execute(context(sys.argv[2]))
"""


def kill_batch_midway(sandbox, orders: list[dict], run_id: str) -> None:
    """Run one batch in its own process; once half of it is placed, hold the next create's reply and SIGKILL."""
    refs = {o["merchant_order_id"] for o in orders}

    def placed() -> int:
        return sum(1 for o in sandbox.kakaclo.orders() if o.get("customOrderId") in refs)

    proc = subprocess.Popen([sys.executable, "-c", BATCH_KILL_PROBE, json.dumps(orders), run_id, str(REPO)],
                            env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while placed() < len(orders) // 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        sandbox.add_fault("kakaclo", "POST", CREATE, "delay_after_commit", seconds=30)
        before = placed()
        while placed() == before and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)  # the next create is committed; its reply is held back
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        sandbox.clear_faults("kakaclo")


class StateStore(dict):
    def set(self, key, value, **_):
        self[key] = value


def orders_kakaclo_batches(sandbox, url: str, n: int, rng: random.Random, batch_size: int = 100) -> Row:
    """#17: n orders in batches (checks on, 20 SKUs x 5 countries) under the create faults, one batch SIGKILLed."""
    from airflow_provider_kakaclo.operators.orders import PlaceOrdersOperator

    row = Row(f"orders: KakaClo PlaceOrdersOperator, batches of {batch_size}", n,
              expected=f"{n} orders, 0 duplicates, 0 lost")
    sandbox.reset(balance=10_000_000, switches={"kakaclo": {"rate_limit_enabled": False}})
    skus = sandbox.kakaclo.skus(limit=20, status=1)
    for sku in skus:
        sandbox.kakaclo.set_stock(sku, "G007", n * 10)
    set_kakaclo(url, KAKACLO_TOKEN)
    countries = ["US", "GB", "DE", "FR", "AU"]
    orders = [{"merchant_order_id": f"CHAOS-B-{i:05d}", "orderAddresses": {**ADDRESS, "country": countries[i % 5]},
               "orderItemsList": [{"sku": skus[rng.randrange(len(skus))], "quantity": 1}],
               "channelType": "Standard"} for i in range(n)]
    batches = [orders[i:i + batch_size] for i in range(0, n, batch_size)]
    kill_batch = rng.randrange(len(batches))
    kinds = ["hang_before", "drop_after_commit", "status_503", "storm_429", "truncate"]
    for b, chunk in enumerate(batches):
        run_id, store = f"chaos-batch-{b}", StateStore() if b % 2 else None
        if b == kill_batch:
            row.faults["sigkill mid-batch"] += 1
            kill_batch_midway(sandbox, chunk, run_id)
        for kind in rng.sample(kinds, 3):
            row.faults[kind] += 1
            if kind == "hang_before":
                sandbox.add_fault("kakaclo", "POST", CREATE, "hang", seconds=1.5)
            elif kind == "drop_after_commit":
                sandbox.fail_next("kakaclo", "POST", CREATE, after_commit=True, count=rng.randint(1, 3))
            elif kind == "truncate":
                sandbox.add_fault("kakaclo", "POST", CREATE, "drop_after_commit", style="truncate")
            elif kind == "status_503":
                sandbox.fail_next("kakaclo", "POST", CREATE, status=503, count=rng.randint(1, 3))
            elif kind == "storm_429":
                sandbox.add_fault("kakaclo", None, None, "status", status=429, count=rng.randint(3, 8),
                                  retry_after=0.05)

        def run_batch(rid=run_id, chunk=chunk, store=store):
            ctx = {**context(rid), "task_state_store": store}
            return PlaceOrdersOperator(task_id="place", conn_id="kakaclo_default", orders=chunk).execute(ctx)

        attempt_with_retries(run_batch)
        sandbox.clear_faults("kakaclo")
    refs = Counter(o.get("customOrderId") for o in sandbox.kakaclo.orders())
    wanted = {o["merchant_order_id"] for o in orders}
    duplicates = sum(c - 1 for ref, c in refs.items() if c > 1)
    lost = len(wanted - set(refs))
    row.observed = f"{sum(refs[r] for r in wanted)} orders, {duplicates} duplicates, {lost} lost"
    row.holds = row.observed == row.expected and set(refs) == wanted
    return row


def orders_kakaclo_pairs(sandbox, url: str, pairs: int, rng: random.Random) -> Row:
    """#16.7: two tries of one reference started together (no shared lock): one live order per reference.

    Half the pairs share an explicit order number (two DAG runs), half are two first tries of one task
    instance with its generated reference (a rerun while the old process still runs): neither scans
    before creating, so only the check after the create can keep one.
    """
    from airflow_provider_kakaclo.operators.orders import stable_reference

    row = Row("concurrent tries per reference: KakaClo (pairs)", pairs,
              expected=f"{pairs} live orders, 0 duplicates")
    live_total = duplicates = errors = 0
    for first in range(0, pairs, PAIRS_PER_ACCOUNT):  # a fresh account per 100 pairs keeps each scan one page
        sandbox.reset(balance=10_000_000, switches={"kakaclo": {"rate_limit_enabled": False}})
        sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
        sandbox.kakaclo.set_stock(sku, "G007", PAIRS_PER_ACCOUNT * 30)
        set_kakaclo(url, KAKACLO_TOKEN)
        order = {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}],
                 "channelType": "Standard"}
        references = []
        for i in range(first, min(first + PAIRS_PER_ACCOUNT, pairs)):
            explicit = i % 2 == 0
            ctx = context(f"chaos-pair-{i}")
            ctx["ti"].try_number = 1
            reference = f"CHAOS-PAIR-{i:05d}" if explicit else stable_reference(ctx)
            references.append(reference)
            row.faults["explicit reference" if explicit else "first tries, generated reference"] += 1
            results = run_pair(order, ctx, reference if explicit else None)
            errors += sum(isinstance(r, Exception) for r in results)
            row.faults["twin created, then cancelled"] += len({o for r in results if isinstance(r, dict)
                                                               for o in r.get("duplicates_cancelled", [])})
        refunded = {str(r["orderId"]) for r in sandbox.kakaclo.refunds()}
        live = Counter(o.get("customOrderId") for o in sandbox.kakaclo.orders() if str(o["id"]) not in refunded)
        live_total += sum(min(live[r], 1) for r in references)
        duplicates += sum(live[r] - 1 for r in references if live[r] > 1)
    row.observed = f"{live_total} live orders, {duplicates} duplicates"
    if errors:
        row.observed += f", {errors} tries failed"
    row.holds = row.observed == row.expected
    return row


PAIRS_PER_ACCOUNT = 100


def orders_birdsystem_pairs(sandbox, url: str, pairs: int, rng: random.Random) -> Row:
    """#16.7 for BirdSystem: two tries of one reference at once; the vendor's own duplicate check
    (``custom_identity_reference``, same type and site) refuses the second, which resolves to the first."""
    from airflow_provider_kakaclo.operators.orders import stable_reference

    row = Row("concurrent tries per reference: BirdSystem (pairs)", pairs,
              expected=f"{pairs} live consignments, 0 duplicates")
    order = birdsystem_order(sandbox, url, pairs, "Chaos Twins")
    references, errors, same = [], 0, 0
    for i in range(pairs):
        explicit = i % 2 == 0
        ctx = context(f"chaos-bpair-{i}")
        ctx["ti"].try_number = 1
        reference = f"CHAOS-BPAIR-{i:05d}" if explicit else stable_reference(ctx)
        references.append(reference)
        row.faults["explicit reference" if explicit else "first tries, generated reference"] += 1
        results = run_pair(order, ctx, reference if explicit else None, conn_id="birdsystem_default")
        errors += sum(isinstance(r, Exception) for r in results)
        ids = {r.get("order_id") for r in results if isinstance(r, dict)}
        same += len(ids) == 1
    consignments = [c for c in sandbox.birdsystem.consignments() if c.get("status") not in ("CANCELLED", "DELETED")]
    live = Counter(c.get("custom_identity_reference") for c in consignments)
    live_total = sum(min(live[r], 1) for r in references)
    duplicates = sum(live[r] - 1 for r in references if live[r] > 1)
    row.observed = f"{live_total} live consignments, {duplicates} duplicates"
    if errors:
        row.observed += f", {errors} tries failed"
    row.faults["both tries returned the same consignment"] = same
    row.holds = row.observed == row.expected
    return row


def run_pair(order: dict, ctx: dict, merchant_order_id: str | None, conn_id: str = "kakaclo_default") -> list:
    """Two PlaceOrderOperator tries of one reference, released at the same instant; their results."""
    import threading

    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator

    barrier, results = threading.Barrier(2), []

    def one():
        barrier.wait()
        op = PlaceOrderOperator(task_id="place", conn_id=conn_id, order=order,
                                merchant_order_id=merchant_order_id,
                                check_stock=False, check_freight=False, check_balance=False)
        try:
            results.append(attempt_with_retries(lambda: op.execute(ctx))[0])
        except Exception as err:
            results.append(err)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def run_campaign(orders: int, bird_orders: int, kills: int, sync_runs: int, seed: int,
                 drips: int = 0, echoes: int = 0, batch_orders: int | None = None,
                 pairs: int | None = None) -> list[Row]:
    from airflow_provider_kakaclo.sandbox import SandboxClient, ThreadedSandbox

    rng = random.Random(seed)
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="kakaclo-chaos-"))
    server = ThreadedSandbox(host="127.0.0.1", port=0).start()
    try:
        sandbox = SandboxClient(server.url)
        return [
            orders_kakaclo(sandbox, server.url, orders, rng, kills),
            orders_birdsystem(sandbox, server.url, bird_orders, rng, kills),
            stock_interrupted(sandbox, server.url, sync_runs, rng),
            upsert_interrupted(sandbox, server.url, sync_runs, rng),
            *([slow_drip(sandbox, server.url, drips, rng)] if drips else []),
            *([echoed_secrets(sandbox, server.url, echoes, rng)] if echoes else []),
            *order_rows(sandbox, server.url, orders if batch_orders is None else batch_orders,
                        orders if pairs is None else pairs, rng),
        ]
    finally:
        server.stop()


def order_rows(sandbox, url: str, batch_orders: int, pairs: int, rng: random.Random) -> list[Row]:
    """The batch placer's row and the concurrent-tries row (skipped when their count is 0)."""
    rows = []
    if batch_orders:
        size = min(100, max(8, batch_orders // 3))
        rows.append(orders_kakaclo_batches(sandbox, url, batch_orders, rng, batch_size=size))
    if pairs:
        rows.append(orders_kakaclo_pairs(sandbox, url, pairs, rng))
        rows.append(orders_birdsystem_pairs(sandbox, url, pairs, rng))
    return rows


def print_table(rows: list[Row]) -> None:
    print("\n| scenario | runs | faults injected | expected | observed | holds |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        faults = ", ".join(f"{k} x{v}" for k, v in sorted(r.faults.items()))
        print(f"| {r.scenario} | {r.runs} | {faults} | {r.expected} | {r.observed} | {'yes' if r.holds else 'NO'} |")


def main() -> int:
    import logging

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--bird-orders", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=10, help="orders per vendor placed under SIGKILL")
    parser.add_argument("--sync-runs", type=int, default=10)
    parser.add_argument("--batch-orders", type=int, default=1000, help="orders placed in batches of 100")
    parser.add_argument("--pairs", type=int, default=1000, help="references each tried twice at once")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--drips", type=int, default=60, help="calls answered by a slow-drip reply")
    parser.add_argument("--echoes", type=int, default=300, help="calls answered by a reply quoting credentials")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the campaign provokes thousands of retries: keep the table readable
    started = time.monotonic()
    rows = run_campaign(args.orders, args.bird_orders, args.kills, args.sync_runs, args.seed, args.drips,
                        args.echoes, batch_orders=args.batch_orders, pairs=args.pairs)
    print_table(rows)
    print(f"\n{time.monotonic() - started:.0f} s, seed {args.seed}")
    return 0 if all(r.holds for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
