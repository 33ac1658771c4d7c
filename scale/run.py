"""``make scale``: the provider on a distributed Airflow (CeleryExecutor), on loopback, one table.

Started here, as a deployment runs them: the sandbox (documented KakaClo limits on: a leaky bucket of
120 requests leaking 2/s per token), ``airflow api-server``, ``scheduler``, ``dag-processor``, three
``airflow celery worker`` processes (each its own Celery hostname and task-instance hostname), two
``airflow triggerer`` processes; PostgreSQL (metadata DB, Celery results, the stock tables) and
Redis (Celery broker, the shared rate limiter and the per-reference lease) come from
``scripts/postgres.sh`` / ``scripts/redis.sh`` (scripts/scale.sh passes their URLs). Every DAG run is
triggered through Airflow's REST API (``POST /api/v2/dags/{dag_id}/dagRuns``); nothing uses
``airflow dags test``. Everything started here is stopped on exit, whatever happens.
"""

from __future__ import annotations

import argparse
import atexit
import json
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.ui.airflow_stack import free_port, wait_for  # noqa: E402  (the browser test's stack helpers)

PASSED_ENV = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV"}
TOKENS = {"shared": "scale-token-shared", "local": "scale-token-local", "second": "scale-token-second"}
BURST, LEAK = 120, 2.0  # the documented KakaClo limit (spec §4), the sandbox's defaults


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Row:
    scenario: str
    expected: str
    observed: str
    holds: bool


@dataclass
class Stack:
    bin: Path
    root: Path
    pg_uri: str
    redis_url: str
    catalog: int
    sandbox_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token: str = ""

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def redis_db(self, db: int) -> str:
        return self.redis_url.rsplit("/", 1)[0] + f"/{db}"

    def conn(self, name: str, shared: bool) -> str:
        extra = {"order_url_template": f"{self.sandbox_url}/_sandbox/kakaclo/orders/{{order_id}}"}
        if shared:
            extra["rate_limit_backend"] = self.redis_db(2)
        return json.dumps({"conn_type": "kakaclo", "host": f"{self.sandbox_url}/kakaclo",
                           "password": TOKENS[name], "extra": extra})

    def env(self, host: str = "scale-main") -> dict[str, str]:
        sql = self.pg_uri.replace("postgresql://", "postgresql+psycopg2://", 1)
        env = {k: v for k, v in os.environ.items() if k in PASSED_ENV}
        env.update({
            "PYTHONPATH": os.pathsep.join([str(REPO / "scale"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "KAKACLO_SCALE_HOST": host,
            "AIRFLOW_HOME": str(self.root / "airflow-home"),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "scale_hostname.hostname",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "scale" / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": "32",
            "AIRFLOW__CORE__MAX_MAP_LENGTH": "2048",
            "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP": r"airflow_provider_kakaclo\..*",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql,
            "AIRFLOW__CELERY__BROKER_URL": self.redis_db(1),
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.pg_uri,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API__WORKERS": "2",
            "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
            "AIRFLOW__API__SECRET_KEY": self.jwt_secret,
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            # A dead worker's tasks: found by their missing heartbeat (default 300 s), retried by Airflow.
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            # ... and the messages it had reserved but not started: queued again (default 600 s).
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "60",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10",
            # A dead triggerer's triggers go to a live one after this many seconds without its heartbeat.
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "15",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW_CONN_KAKACLO_SHARED": self.conn("shared", True),
            "AIRFLOW_CONN_KAKACLO_LOCAL": self.conn("local", False),
            "AIRFLOW_CONN_KAKACLO_SECOND": self.conn("second", True),
            "AIRFLOW_CONN_SCALE_DB": self.pg_uri.replace("postgresql://", "postgres://", 1),
        })
        return env

    # --- processes --------------------------------------------------------------------------
    def spawn(self, name: str, args: list[str], host: str = "scale-main") -> subprocess.Popen:
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(args, env=self.env(host), stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                                    start_new_session=True)
        self.procs[name] = proc
        return proc

    def airflow(self, *args: str) -> list[str]:
        return [str(self.bin / "python"), "-m", "airflow", *args]

    def worker(self, n: int) -> subprocess.Popen:
        return self.spawn(f"worker-{n}", self.airflow("celery", "worker", "--celery-hostname", f"worker{n}@%h",
                                                      "--concurrency", "4", "--skip-serve-logs"),
                          host=f"scale-worker-{n}")

    def triggerer(self, n: int) -> subprocess.Popen:
        return self.spawn(f"triggerer-{n}", self.airflow("triggerer", "--skip-serve-logs"), host=f"scale-triggerer-{n}")

    def kill(self, name: str) -> None:
        """SIGKILL a service and every process it started (a machine that loses power)."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def start(self) -> None:
        sandbox = self.spawn("sandbox", [str(self.bin / "python"), "-m", "airflow_provider_kakaclo.sandbox",
                                         "--host", "127.0.0.1", "--port", str(self.sandbox_port),
                                         "--catalog-size", str(self.catalog), "--balance", "100000000"])
        wait_for(f"{self.sandbox_url}/_sandbox/switches", [sandbox], 60, "sandbox")
        control().put(f"{self.sandbox_url}/_sandbox/kakaclo/tokens", json={"tokens": list(TOKENS.values())},
                      timeout=10).raise_for_status()
        log("airflow db migrate (PostgreSQL)")
        migrate = subprocess.run(self.airflow("db", "migrate"), env=self.env(), capture_output=True, text=True,
                                 cwd=REPO)
        if migrate.returncode:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-2000:]}\n{migrate.stderr[-2000:]}")
        api = self.spawn("api-server", self.airflow("api-server", "--host", "127.0.0.1", "--port", str(self.api_port)))
        self.spawn("scheduler", self.airflow("scheduler"))
        self.spawn("dag-processor", self.airflow("dag-processor"))
        for n in (1, 2, 3):
            self.worker(n)
        for n in (1, 2):
            self.triggerer(n)
        wait_for(f"{self.api_url}/api/v2/monitor/health", [api], 240, "api-server")
        self.token = self._token()
        for dag_id in ("scale_stock_sync", "scale_orders", "scale_sensors"):
            deadline = time.monotonic() + 240
            while self.api("GET", f"/dags/{dag_id}", check=False).status_code != 200:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{dag_id} was not parsed in time (logs: {self.root / 'logs'})")
                time.sleep(2)
        self.wait_workers(3)

    def wait_workers(self, count: int, timeout: float = 240) -> None:
        """Until ``count`` Celery workers answer a ping (a restarted one takes a while on a busy machine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = subprocess.run([str(self.bin / "python"), "-c", PING, self.redis_db(1)], capture_output=True,
                                 text=True, env=self.env(), cwd=REPO).stdout.strip()
            if out.isdigit() and int(out) >= count:
                return
            time.sleep(2)
        raise TimeoutError(f"fewer than {count} Celery workers answered within {timeout:.0f} s")

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():  # task processes live in their service's group: none left behind
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()

    # --- REST API ---------------------------------------------------------------------------
    def _token(self) -> str:
        reply = requests.get(f"{self.api_url}/auth/token", timeout=30)  # SimpleAuthManager, all admins
        reply.raise_for_status()
        return reply.json()["access_token"]

    def api(self, method: str, path: str, check: bool = True, **kwargs) -> requests.Response:
        reply = requests.request(method, f"{self.api_url}/api/v2{path}", timeout=60,
                                 headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        if check and reply.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {reply.status_code}: {reply.text[:500]}")
        return reply

    def trigger(self, dag_id: str, conf: dict) -> str:
        body = {"logical_date": None, "conf": conf}
        return self.api("POST", f"/dags/{dag_id}/dagRuns", json=body).json()["dag_run_id"]

    def tis(self, dag_id: str, run_id: str) -> list[dict]:
        """Every task instance of the run (the API pages by [api] maximum_page_limit, 100 by default)."""
        found: list[dict] = []
        while True:
            page = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                            params={"limit": 100, "offset": len(found)}).json()
            found += page["task_instances"]
            if not page["task_instances"] or len(found) >= page["total_entries"]:
                return found

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        return "timed out"


PING = """
import sys
from celery import Celery
app = Celery(broker=sys.argv[1])
print(len(app.control.ping(timeout=3.0) or []))
"""


def control() -> requests.Session:
    return requests.Session()


class Traffic:
    """Polls the sandbox's KakaClo counters: when the first and the last request of a scenario came."""

    def __init__(self, sandbox_url: str) -> None:
        self.url = f"{sandbox_url}/_sandbox/stats"
        self.first = self.last = None
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Traffic:
        requests.post(f"{self.url}/reset", timeout=10).raise_for_status()
        self._thread.start()
        return self

    def _run(self) -> None:
        session = control()
        while not self._stop.is_set():
            now = time.monotonic()
            count = session.get(self.url, params={"vendor": "kakaclo"}, timeout=10).json()["requests"]
            if count > self.count:
                self.first = self.first or now
                self.last = now
                self.count = count
            self._stop.wait(0.2)

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def wall(self) -> float:
        return (self.last - self.first) if self.first else 0.0

    def stats(self) -> dict:
        return requests.get(self.url, params={"vendor": "kakaclo"}, timeout=10).json()


def bound(calls: int) -> float:
    """The leaky bucket's shortest time for ``calls`` requests on one token: the burst, then 2/s
    (at least one leak: a run within the burst has no bound to compare with)."""
    return max(calls - BURST, 1) / LEAK


def shards_of(skus: list[str], count: int) -> list[list[str]]:
    size = math.ceil(len(skus) / count)
    return [skus[i:i + size] for i in range(0, len(skus), size)]


def hosts(tis: list[dict]) -> str:
    names = sorted({ti.get("hostname") or "?" for ti in tis})
    return f"{len(names)} hosts ({', '.join(n.replace('scale-', '') for n in names)})"


# --- scenarios --------------------------------------------------------------------------------
def stock_runs(stack: Stack, conns: list[str], skus: list[str], shards: int, timeout: float) -> tuple[Traffic, list]:
    with Traffic(stack.sandbox_url) as traffic:
        runs = [(conn, stack.trigger("scale_stock_sync", {"conn_id": conn, "table": f"stock_{conn}",
                                                          "shards": shards_of(skus, shards)})) for conn in conns]
        states = [stack.wait_run("scale_stock_sync", run_id, timeout) for _, run_id in runs]
    tis = [ti for _, run_id in runs for ti in stack.tis("scale_stock_sync", run_id) if ti["task_id"] == "sync"]
    return traffic, [states, tis]


def shared_budget(stack: Stack, skus: list[str], shards: int) -> list[Row]:
    log(f"shared budget: {len(skus)} SKUs in {shards} shards, Redis-shared limiter")
    traffic, (states, tis) = stock_runs(stack, ["kakaclo_shared"], skus, shards, 900)
    stats = traffic.stats()
    calls, throttled = stats["by_status"].get("200", 0), stats["by_status"].get("429", 0)
    limit = bound(calls)
    ok = states == ["success"] and len(tis) == shards and all(ti["state"] == "success" for ti in tis)
    rows = [Row(f"shared budget: {len(skus)} SKUs, {shards} mapped shards, Redis limiter",
                "run success; vendor wall <= 1.05 x bound; 0 x 429",
                f"{states[0]}, shards on {hosts(tis)}; {calls} calls in {traffic.wall:.1f} s = "
                f"{traffic.wall / limit:.3f} x bound {limit:.0f} s; {throttled} x 429",
                ok and traffic.wall <= 1.05 * limit and throttled == 0)]
    log(f"same without the shared limiter ({shards} per-process limiters on another token)")
    traffic, (states, tis) = stock_runs(stack, ["kakaclo_local"], skus, shards, 900)
    stats = traffic.stats()
    throttled = stats["by_status"].get("429", 0)
    rows.append(Row("shared budget: same, per-process limiters only (baseline)",
                    "429s counted (the vendor refuses what the processes overspend)",
                    f"{states[0]}, shards on {hosts(tis)}; {stats['requests']} requests in {traffic.wall:.1f} s; "
                    f"{throttled} x 429", throttled > 0))
    return rows


def two_accounts(stack: Stack, skus: list[str], shards: int) -> list[Row]:
    log(f"two accounts at once: {len(skus)} SKUs each, {shards} shards each, both on the shared Redis")
    traffic, (states, tis) = stock_runs(stack, ["kakaclo_shared", "kakaclo_second"], skus, shards, 900)
    stats = traffic.stats()
    calls, throttled = stats["by_status"].get("200", 0), stats["by_status"].get("429", 0)
    per_account, serial = bound(calls // 2), bound(calls)
    ok = states == ["success", "success"] and all(ti["state"] == "success" for ti in tis)
    return [Row("two accounts (two tokens) at once, Redis limiter",
                "each its own budget: wall <= 1.05 x one account's bound; 0 x 429",
                f"{'/'.join(states)}, {len(tis)} shards on {hosts(tis)}; {calls} calls ({calls // 2} each) in "
                f"{traffic.wall:.1f} s = {traffic.wall / per_account:.3f} x {per_account:.0f} s "
                f"(both on one token: {serial:.0f} s); {throttled} x 429",
                ok and traffic.wall <= 1.05 * per_account and throttled == 0)]


def order_fixture(stack: Stack, count: int) -> tuple[list[list[dict]], list[dict]]:
    session = control()
    base = f"{stack.sandbox_url}/_sandbox/kakaclo"
    pool = session.get(f"{base}/skus", params={"limit": 20, "status": 1}, timeout=10).json()
    pool = pool["skus"] if isinstance(pool, dict) else pool
    for sku in pool:
        session.put(f"{base}/stock", json={"sku": sku, "warehouseCode": "G007", "qty": 1_000_000},
                    timeout=10).raise_for_status()
    rng = random.Random(18)

    def order(ref: str | None) -> dict:
        body = {"orderAddresses": {"country": rng.choice(["US", "GB", "DE", "FR", "AU"]), "phone": "+1 555 0100",
                                   "recipient": "Scale", "province": "CA", "city": "City", "street1": "1 Main St",
                                   "zip": "94105"},
                "orderItemsList": [{"sku": rng.choice(pool), "quantity": 1}], "channelType": "Standard"}
        return {"merchant_order_id": ref, **body} if ref else body

    batched = [order(f"SCALE-B-{i:04d}") for i in range(count // 2)]
    batches = shards_of(batched, 3)
    singles = [order(None) for _ in range(count - len(batched))]
    return batches, singles


def sandbox_orders(stack: Stack) -> list[dict]:
    reply = control().get(f"{stack.sandbox_url}/_sandbox/kakaclo/orders", timeout=30).json()
    return reply["orders"] if isinstance(reply, dict) else reply


def worker_dies(stack: Stack, count: int) -> tuple[list[Row], list[str]]:
    batches, singles = order_fixture(stack, count)
    log(f"a worker dies: {count} orders ({sum(map(len, batches))} in {len(batches)} batch tasks, "
        f"{len(singles)} mapped single-order tasks)")
    control().post(f"{stack.sandbox_url}/_sandbox/stats/reset", timeout=10).raise_for_status()
    run_id = stack.trigger("scale_orders", {"conn_id": "kakaclo_shared", "batches": batches, "singles": singles})
    victim, busy, started = None, {}, time.monotonic()
    while victim is None and time.monotonic() < started + 600:
        running = [ti for ti in stack.tis("scale_orders", run_id)
                   if ti["state"] == "running" and ti["task_id"].startswith("place") and ti.get("hostname")]
        busy = {}
        for ti in running:
            busy.setdefault(ti["hostname"], []).append(ti)
        # The worker to kill runs a batch placer and single placers at once (or, after a minute, anything).
        both = [host for host, on_it in busy.items() if {ti["task_id"] for ti in on_it} == {"place_batch", "place_one"}]
        if both or (busy and time.monotonic() > started + 60):
            victim = both[0] if both else max(busy, key=lambda host: len(busy[host]))
            break
        time.sleep(0.5)
    if victim is None:
        return [Row(f"a worker dies: {count} orders", "a worker killed mid-run", "no task was ever running", False)], []
    n = int(victim.rsplit("-", 1)[1])
    killed_tasks = [f"{ti['task_id']}[{ti['map_index']}]" for ti in busy[victim]]
    log(f"SIGKILL worker {n} (and its task processes) while it runs {', '.join(killed_tasks)}")
    stack.kill(f"worker-{n}")
    time.sleep(5)
    stack.worker(n)
    log(f"worker {n} restarted")
    state = stack.wait_run("scale_orders", run_id, 900)
    spent = Traffic(stack.sandbox_url).stats()
    tis = [ti for ti in stack.tis("scale_orders", run_id) if ti["task_id"].startswith("place")]
    retried = sum(ti["try_number"] > 1 for ti in tis)
    all_ok = all(ti["state"] == "success" for ti in tis)
    orders = sandbox_orders(stack)
    live = [o for o in orders if o.get("status") != "cancel"]
    refs = [o.get("customOrderId") for o in live]
    duplicates = len(refs) - len(set(refs))
    lost = count - len(set(refs))
    cancelled = len(orders) - len(live)
    observed = (f"run {state}; {len(tis)} tasks {'all success' if all_ok else 'NOT all success'}, {retried} "
                f"retried; {len(live)} live orders, {duplicates} duplicates, {lost} lost, {cancelled} twins cancelled; "
                f"killed worker {n} while it ran {', '.join(killed_tasks)}; {spent['requests'] / count:.2f} requests per "
                f"order ({spent['by_status'].get('429', 0)} x 429)")
    row = Row(f"a worker dies: {count} orders (half batch, half mapped singles), 1 of 3 workers SIGKILLed",
              f"{count} live orders, 0 duplicates, 0 lost, every task success",
              observed, state == "success" and all_ok and len(live) == count and duplicates == 0 and lost == 0)
    return [row], [str(o.get("id") or o.get("orderId")) for o in live]


def metadata(stack: Stack, sql: str) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(stack.pg_uri) as db, db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


TRIGGERS_BY_HOST = ("SELECT j.hostname, count(*) FROM trigger t JOIN job j ON j.id = t.triggerer_id "
                    "GROUP BY j.hostname ORDER BY 1")


def requests_per_cycle(stack: Stack, seconds: float, poke: float) -> float:
    stats = Traffic(stack.sandbox_url).stats
    before = stats()["requests"]
    time.sleep(seconds)
    return (stats()["requests"] - before) / (seconds / poke)


def triggerer_dies(stack: Stack, order_ids: list[str]) -> list[Row]:
    count = len(order_ids)
    log(f"a triggerer dies: {count} deferred OrderStatusSensor tasks over 2 triggerers")
    run_id = stack.trigger("scale_sensors", {"conn_id": "kakaclo_shared", "order_ids": order_ids})
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        deferred = sum(ti["state"] == "deferred" for ti in stack.tis("scale_sensors", run_id))
        spread = dict(metadata(stack, TRIGGERS_BY_HOST))
        if deferred == count and sum(spread.values()) == count and len(spread) == 2:
            break
        time.sleep(2)
    else:
        return [Row(f"a triggerer dies: {count} sensors", "all deferred over 2 triggerers",
                    f"{deferred} deferred, triggers per triggerer {spread}", False)]
    per_cycle_two = requests_per_cycle(stack, 20, 5)
    victim = "scale-triggerer-1"
    log(f"triggers per triggerer {spread}; SIGKILL {victim}")
    stack.kill("triggerer-1")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        after = dict(metadata(stack, TRIGGERS_BY_HOST))
        if after.get("scale-triggerer-2") == count:
            break
        time.sleep(2)
    moved = f"{after.get('scale-triggerer-2', 0)}/{count} on the survivor"
    per_cycle_one = requests_per_cycle(stack, 20, 5)
    log(f"{moved}; the sandbox's autopilot now pays and ships every order")
    control().put(f"{stack.sandbox_url}/_sandbox/autopilot", json={"seconds": 3}, timeout=10).raise_for_status()
    state = stack.wait_run("scale_sensors", run_id, 600)
    tis = [ti for ti in stack.tis("scale_sensors", run_id) if ti["task_id"] == "wait_shipped"]
    successes = sum(ti["state"] == "success" for ti in tis)
    retried = sum(ti["try_number"] > 1 for ti in tis)
    batched_limit = 2 * math.ceil(count / 250)
    return [Row(f"a triggerer dies: {count} deferred sensors over 2 triggerers, 1 SIGKILLed",
                f"survivor takes every trigger; {count} x success once; <= {batched_limit} requests/cycle/triggerer",
                f"run {state}; before the kill {spread}; after {moved}; {successes}/{count} success, "
                f"{retried} retried; requests per 5 s cycle {per_cycle_two:.1f} (2 triggerers), "
                f"{per_cycle_one:.1f} (1)",
                state == "success" and successes == count == len(tis) and retried == 0
                and after.get("scale-triggerer-2") == count
                and per_cycle_two <= 2 * batched_limit and per_cycle_one <= batched_limit)]


def table(rows: list[Row]) -> str:
    headers = ("scenario", "expected", "observed", "holds")
    cells = [headers] + [(r.scenario, r.expected, r.observed, "yes" if r.holds else "NO") for r in rows]
    out = []
    for i, row in enumerate(cells):
        out.append("| " + " | ".join(row) + " |")
        if i == 0:
            out.append("|" + "|".join("---" for _ in headers) + "|")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-uri", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--skus", type=int, default=int(os.environ.get("SCALE_SKUS", 9000)))
    parser.add_argument("--account-skus", type=int, default=int(os.environ.get("SCALE_ACCOUNT_SKUS", 9000)))
    parser.add_argument("--orders", type=int, default=int(os.environ.get("SCALE_ORDERS", 200)))
    parser.add_argument("--root", type=Path, default=REPO / ".scale")
    args = parser.parse_args()

    started = time.monotonic()
    stack = Stack(bin=Path(sys.executable).parent, root=args.root, pg_uri=args.pg_uri, redis_url=args.redis_url,
                  catalog=args.skus)
    atexit.register(stack.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"starting the stack under {args.root} (logs: {args.root / 'logs'})")
    stack.start()
    log(f"stack up in {time.monotonic() - started:.0f} s: api-server {stack.api_url}, sandbox {stack.sandbox_url}")
    skus = requests.get(f"{stack.sandbox_url}/_sandbox/kakaclo/skus", params={"limit": args.skus},
                        timeout=30).json()
    skus = skus["skus"] if isinstance(skus, dict) else skus
    rows: list[Row] = []
    rows += shared_budget(stack, skus, 6)
    order_rows, order_ids = worker_dies(stack, args.orders)
    rows += order_rows
    if order_ids:
        rows += triggerer_dies(stack, order_ids)
    rows += two_accounts(stack, skus[:args.account_skus], 3)
    print()
    print(f"make scale, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"{time.monotonic() - started:.0f} s in all")
    print(table(rows))
    return 0 if all(r.holds for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
