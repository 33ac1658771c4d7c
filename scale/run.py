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
BURST, LEAK = 120, 2.0  # the documented KakaClo limit (spec §4), the sandbox's defaults
CLIENT_MARGIN = 4  # the stock syncs' connections book a burst this much smaller (Stack.conn)
#: One sandbox (one vendor instance, its own counters) per scenario, as they run at the same time: every
#: row counts only its own requests.
SANDBOXES = ("stock", "baseline", "accounts", "orders", "sensors")
#: connection id -> (sandbox, token, Redis-shared limiter)
CONNS = {
    "kakaclo_shared": ("stock", "scale-token-shared", True),
    "kakaclo_second": ("accounts", "scale-token-second", True),
    "kakaclo_third": ("accounts", "scale-token-third", True),
    "kakaclo_local": ("baseline", "scale-token-local", False),
    "kakaclo_orders": ("orders", "scale-token-orders", True),
    "kakaclo_sensors": ("sensors", "scale-token-sensors", True),
}
#: Tokens that place the orders the sensors wait for (sandbox set-up, not measured: 100 creates each fit
#: in one token's burst of 120).
SEED_TOKENS = [f"scale-token-seed-{n}" for n in range(10)]
SCENARIOS = ("budget", "workers", "triggerers", "accounts")
#: Task slots per Celery worker: most tasks here wait on the vendor's budget or defer, so slots, not
#: cores, bound them (and the order tasks are bounded by a pool of their own, see scale_dags.py).
WORKER_CONCURRENCY = "14"
#: Airflow pools of the order placers and the sensors (scale_dags.py): each account's tasks take a few
#: slots and leave the rest to the stock syncs that run beside them (6 + 6 + 2 x 3 shards); more order
#: tasks at once would be no faster, as they wait on one vendor budget.
POOLS = {"kakaclo_orders": 8, "kakaclo_sensors": 12}


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
    order_burst: int | None = None
    sandboxes: tuple[str, ...] = SANDBOXES
    sandbox_ports: dict[str, int] = field(default_factory=lambda: {name: free_port() for name in SANDBOXES})
    api_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token: str = ""

    def sandbox_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.sandbox_ports[name]}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def redis_db(self, db: int) -> str:
        return self.redis_url.rsplit("/", 1)[0] + f"/{db}"

    def conn(self, conn_id: str) -> str:
        sandbox, token, shared = CONNS[conn_id]
        url = self.sandbox_url(sandbox)
        extra = {"order_url_template": f"{url}/_sandbox/kakaclo/orders/{{order_id}}"}
        if shared:
            extra["rate_limit_backend"] = self.redis_db(2)
        if sandbox == "orders" and self.order_burst:
            extra["rate_limit_burst"] = self.order_burst
        elif sandbox in ("stock", "accounts"):
            # A few slots below the vendor's 120: at the start of a burst, the first request reaching the
            # vendor late (a starved process, a new connection) starts the vendor's drain late, and the
            # client's built-in margin of 1 slot covers 0.5 s of that (the 1-2 x 429 seen on a busy
            # machine). 4 more slots cover 2.5 s and cost 2 s on a 9,000-SKU sync.
            extra["rate_limit_burst"] = BURST - CLIENT_MARGIN
        return json.dumps({"conn_type": "kakaclo", "host": f"{url}/kakaclo", "password": token, "extra": extra})

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
            # Throughput on 2 cores (see "Running at scale"): room for every worker slot, and a scheduler
            # that queues a few hundred mapped task instances in a few loops (default 16 per loop).
            "AIRFLOW__CORE__PARALLELISM": str(3 * int(WORKER_CONCURRENCY)),
            "AIRFLOW__SCHEDULER__MAX_TIS_PER_QUERY": "0",
            # A task's supervisor can notice its process ended only after one more wait of this many
            # seconds (default 5): 5 s of an idle worker slot after every task, which for 1,000 short
            # sensor runs (defer, then resume) is most of the time. Heartbeats of running tasks come as
            # often, which costs little here.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
            "AIRFLOW__CORE__MAX_MAP_LENGTH": "2048",
            "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP": r"airflow_provider_kakaclo\..*",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql,
            "AIRFLOW__CELERY__BROKER_URL": self.redis_db(1),
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.pg_uri,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": WORKER_CONCURRENCY,
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
            **{f"AIRFLOW_CONN_{conn_id.upper()}": self.conn(conn_id) for conn_id in CONNS},
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
                                                      "--concurrency", WORKER_CONCURRENCY, "--skip-serve-logs"),
                          host=f"scale-worker-{n}")

    def triggerer(self, n: int) -> subprocess.Popen:
        return self.spawn(f"triggerer-{n}", self.airflow("triggerer", "--skip-serve-logs"), host=f"scale-triggerer-{n}")

    def kill(self, name: str) -> None:
        """SIGKILL a service and every process it started (a machine that loses power)."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def start_sandboxes(self) -> None:
        tokens = [token for _, token, _ in CONNS.values()] + SEED_TOKENS
        started = {}
        for name in self.sandboxes:  # the stock syncs read the whole catalog; orders need a few SKUs
            catalog = self.catalog if name in ("stock", "baseline", "accounts") else 200
            args = [str(self.bin / "python"), "-m", "airflow_provider_kakaclo.sandbox", "--host", "127.0.0.1",
                    "--port", str(self.sandbox_ports[name]), "--catalog-size", str(catalog), "--balance", "100000000"]
            if name == "orders" and self.order_burst:
                args += ["--switches", json.dumps({"kakaclo": {"rate_limit_capacity": self.order_burst}})]
            started[name] = self.spawn(f"sandbox-{name}", args)
        for name, proc in started.items():
            wait_for(f"{self.sandbox_url(name)}/_sandbox/switches", [proc], 60, f"sandbox {name}")
            control().put(f"{self.sandbox_url(name)}/_sandbox/kakaclo/tokens", json={"tokens": tokens},
                          timeout=10).raise_for_status()

    def start(self) -> None:
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
        for pool, slots in POOLS.items():  # one pool per vendor account ("Running at scale")
            self.api("POST", "/pools", json={"name": pool, "slots": slots, "include_deferred": False,
                                             "description": f"KakaClo account {pool}"})
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
    sandbox = CONNS[conns[0]][0]
    with Traffic(stack.sandbox_url(sandbox)) as traffic:
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
    log(f"shared budget done: {calls} calls in {traffic.wall:.1f} s, {throttled} x 429")
    return [Row(f"shared budget: {len(skus)} SKUs, {shards} mapped shards, Redis limiter",
                "run success; vendor wall <= 1.05 x bound; 0 x 429",
                f"{states[0]}, shards on {hosts(tis)}; {calls} calls in {traffic.wall:.1f} s = "
                f"{traffic.wall / limit:.3f} x bound {limit:.0f} s; {throttled} x 429",
                ok and traffic.wall <= 1.05 * limit and throttled == 0)]


def baseline(stack: Stack, skus: list[str], shards: int) -> list[Row]:
    log(f"baseline: the same sync without the shared limiter ({shards} per-process limiters, its own vendor)")
    traffic, (states, tis) = stock_runs(stack, ["kakaclo_local"], skus, shards, 900)
    stats = traffic.stats()
    throttled = stats["by_status"].get("429", 0)
    log(f"baseline done: {stats['requests']} requests, {throttled} x 429")
    return [Row("shared budget: same, per-process limiters only (baseline)",
                "429s counted (the vendor refuses what the processes overspend)",
                f"{states[0]}, shards on {hosts(tis)}; {stats['requests']} requests in {traffic.wall:.1f} s; "
                f"{throttled} x 429", throttled > 0)]


def two_accounts(stack: Stack, skus: list[str], shards: int) -> list[Row]:
    log(f"two accounts at once: {len(skus)} SKUs each, {shards} shards each, both on the shared Redis")
    traffic, (states, tis) = stock_runs(stack, ["kakaclo_second", "kakaclo_third"], skus, shards, 900)
    stats = traffic.stats()
    calls, throttled = stats["by_status"].get("200", 0), stats["by_status"].get("429", 0)
    per_account, serial = bound(calls // 2), bound(calls)
    ok = states == ["success", "success"] and all(ti["state"] == "success" for ti in tis)
    log(f"two accounts done: {calls} calls in {traffic.wall:.1f} s, {throttled} x 429")
    return [Row("two accounts (two tokens) at once, Redis limiter",
                "each its own budget: wall <= 1.05 x one account's bound; 0 x 429",
                f"{'/'.join(states)}, {len(tis)} shards on {hosts(tis)}; {calls} calls ({calls // 2} each) in "
                f"{traffic.wall:.1f} s = {traffic.wall / per_account:.3f} x {per_account:.0f} s "
                f"(both on one token: {serial:.0f} s); {throttled} x 429",
                ok and traffic.wall <= 1.05 * per_account and throttled == 0)]


def stock_pool(url: str) -> list[str]:
    """A few SKUs of ``url``'s sandbox, each with plenty of stock (orders must not fail on stock)."""
    session = control()
    base = f"{url}/_sandbox/kakaclo"
    pool = session.get(f"{base}/skus", params={"limit": 20, "status": 1}, timeout=10).json()
    pool = pool["skus"] if isinstance(pool, dict) else pool
    for sku in pool:
        session.put(f"{base}/stock", json={"sku": sku, "warehouseCode": "G007", "qty": 1_000_000},
                    timeout=10).raise_for_status()
    return pool


def order_body(rng: random.Random, pool: list[str], ref: str | None) -> dict:
    body = {"orderAddresses": {"country": rng.choice(["US", "GB", "DE", "FR", "AU"]), "phone": "+1 555 0100",
                               "recipient": "Scale", "province": "CA", "city": "City", "street1": "1 Main St",
                               "zip": "94105"},
            "orderItemsList": [{"sku": rng.choice(pool), "quantity": 1}], "channelType": "Standard"}
    return {"merchant_order_id": ref, **body} if ref else body


def order_fixture(stack: Stack, count: int) -> tuple[list[list[dict]], list[dict]]:
    pool = stock_pool(stack.sandbox_url("orders"))
    rng = random.Random(18)
    batched = [order_body(rng, pool, f"SCALE-B-{i:04d}") for i in range(count // 2)]
    batches = shards_of(batched, 3)
    singles = [order_body(rng, pool, None) for _ in range(count - len(batched))]
    return batches, singles


def seed_sensor_orders(stack: Stack, count: int) -> list[str]:
    """Place ``count`` orders in the sensors' sandbox through the vendor API (set-up, not measured):
    the orders the deferred sensors wait for. 100 per seed token: each within one token's burst."""
    url = stack.sandbox_url("sensors")
    pool = stock_pool(url)
    rng = random.Random(500)
    session = requests.Session()
    for i in range(count):
        token = SEED_TOKENS[i // 100]
        body = order_body(rng, pool, None)
        body["customOrderId"] = f"SCALE-S-{i:04d}"
        reply = session.post(f"{url}/kakaclo/openapi/v2/order/orders", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
        reply.raise_for_status()
    ids = [str(o.get("id") or o.get("orderId")) for o in sandbox_orders(url)]
    if len(ids) != count:
        raise RuntimeError(f"the sensors' sandbox holds {len(ids)} orders, {count} were placed")
    return ids


def sandbox_orders(url: str) -> list[dict]:
    reply = control().get(f"{url}/_sandbox/kakaclo/orders", timeout=30).json()
    return reply["orders"] if isinstance(reply, dict) else reply


def ti_states(stack: Stack, dag_id: str, run_id: str) -> dict[str, int]:
    """Task instances of a run by state, from the metadata DB (cheaper than paging the REST API)."""
    return dict(metadata(stack, "SELECT coalesce(state, 'none'), count(*) FROM task_instance "
                                f"WHERE dag_id = '{dag_id}' AND run_id = '{run_id}' GROUP BY 1"))


class WorkerDies:
    """Orders (half in batches, half as mapped single-order tasks); one worker SIGKILLed mid-run."""

    def __init__(self, stack: Stack, count: int) -> None:
        self.stack, self.count = stack, count
        self.url = stack.sandbox_url("orders")
        self.run_id = ""
        self.victim: int | None = None
        self.killed_tasks: list[str] = []

    def start(self) -> None:
        """Trigger the run; kill the worker once it runs both kinds of placer; restart it."""
        stack, count = self.stack, self.count
        batches, singles = order_fixture(stack, count)
        log(f"a worker dies: {count} orders ({sum(map(len, batches))} in {len(batches)} batch tasks, "
            f"{len(singles)} mapped single-order tasks)")
        control().post(f"{self.url}/_sandbox/stats/reset", timeout=10).raise_for_status()
        self.run_id = stack.trigger("scale_orders", {"conn_id": "kakaclo_orders", "batches": batches,
                                                     "singles": singles})
        busy, started = {}, time.monotonic()
        while time.monotonic() < started + 600:
            running = metadata(stack, "SELECT hostname, task_id, map_index FROM task_instance WHERE dag_id = "
                                      f"'scale_orders' AND run_id = '{self.run_id}' AND state = 'running' "
                                      "AND task_id LIKE 'place%' AND hostname <> ''")
            busy = {}
            for host, task_id, index in running:
                busy.setdefault(host, []).append((task_id, index))
            # The worker to kill runs a batch placer and single placers at once (or, after a minute, anything).
            both = [host for host, on_it in busy.items() if {t for t, _ in on_it} == {"place_batch", "place_one"}]
            if both or (busy and time.monotonic() > started + 60):
                host = both[0] if both else max(busy, key=lambda h: len(busy[h]))
                self.victim = int(host.rsplit("-", 1)[1])
                self.killed_tasks = [f"{t}[{i}]" for t, i in sorted(busy[host])]
                break
            time.sleep(0.5)
        if self.victim is None:
            return
        log(f"SIGKILL worker {self.victim} (and its task processes) while it runs {', '.join(self.killed_tasks)}")
        stack.kill(f"worker-{self.victim}")
        time.sleep(5)
        stack.worker(self.victim)
        log(f"worker {self.victim} restarted (the other scenarios start meanwhile)")

    def finish(self) -> list[Row]:
        stack, count = self.stack, self.count
        if self.victim is None:
            return [Row(f"a worker dies: {count} orders", "a worker killed mid-run", "no task was ever running",
                        False)]
        stack.wait_workers(3)  # the restarted worker came back (it answers Celery's ping)
        state = stack.wait_run("scale_orders", self.run_id, 1200)
        spent = Traffic(self.url).stats()
        tis = [ti for ti in stack.tis("scale_orders", self.run_id) if ti["task_id"].startswith("place")]
        retried = sum(ti["try_number"] > 1 for ti in tis)
        all_ok = all(ti["state"] == "success" for ti in tis)
        orders = sandbox_orders(self.url)
        live = [o for o in orders if o.get("status") != "cancel"]
        refs = [o.get("customOrderId") for o in live]
        duplicates = len(refs) - len(set(refs))
        lost = count - len(set(refs))
        cancelled = len(orders) - len(live)
        log(f"worker kill done: run {state}, {len(live)} live orders")
        observed = (f"run {state}; {len(tis)} tasks {'all success' if all_ok else 'NOT all success'}, {retried} "
                    f"retried; {len(live)} live orders, {duplicates} duplicates, {lost} lost, {cancelled} twins "
                    f"cancelled; killed worker {self.victim} while it ran {', '.join(self.killed_tasks)}; "
                    f"{spent['requests'] / count:.2f} requests per order ({spent['by_status'].get('429', 0)} x 429)")
        return [Row(f"a worker dies: {count} orders (half batch, half mapped singles), 1 of 3 workers SIGKILLed",
                    f"{count} live orders, 0 duplicates, 0 lost, every task success", observed,
                    state == "success" and all_ok and len(live) == count and duplicates == 0 and lost == 0)]


def metadata(stack: Stack, sql: str) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(stack.pg_uri) as db, db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


TRIGGERS_BY_HOST = ("SELECT j.hostname, count(*) FROM trigger t JOIN job j ON j.id = t.triggerer_id "
                    "GROUP BY j.hostname ORDER BY 1")


def requests_per_cycle(url: str, seconds: float, poke: float) -> float:
    stats = Traffic(url).stats
    before = stats()["requests"]
    time.sleep(seconds)
    return (stats()["requests"] - before) / (seconds / poke)


def triggerer_dies(stack: Stack, order_ids: list[str], window: float) -> list[Row]:
    count = len(order_ids)
    url = stack.sandbox_url("sensors")
    log(f"a triggerer dies: {count} deferred OrderStatusSensor tasks over 2 triggerers")
    run_id = stack.trigger("scale_sensors", {"conn_id": "kakaclo_sensors", "order_ids": order_ids})
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        deferred = ti_states(stack, "scale_sensors", run_id).get("deferred", 0)
        spread = dict(metadata(stack, TRIGGERS_BY_HOST))
        if deferred == count and sum(spread.values()) == count and len(spread) == 2:
            break
        time.sleep(2)
    else:
        return [Row(f"a triggerer dies: {count} sensors", "all deferred over 2 triggerers",
                    f"{deferred} deferred, triggers per triggerer {spread}", False)]
    log(f"{count} sensors deferred; triggers per triggerer {spread}")
    per_cycle_two = requests_per_cycle(url, window, 5)
    victim = "scale-triggerer-1"
    log(f"SIGKILL {victim}")
    stack.kill("triggerer-1")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        after = dict(metadata(stack, TRIGGERS_BY_HOST))
        if after.get("scale-triggerer-2") == count:
            break
        time.sleep(2)
    moved = f"{after.get('scale-triggerer-2', 0)}/{count} on the survivor"
    per_cycle_one = requests_per_cycle(url, window, 5)
    log(f"{moved}; the sandbox's autopilot now pays and ships every order")
    control().put(f"{url}/_sandbox/autopilot", json={"seconds": 3}, timeout=10).raise_for_status()
    state = stack.wait_run("scale_sensors", run_id, 900)
    tis = [ti for ti in stack.tis("scale_sensors", run_id) if ti["task_id"] == "wait_shipped"]
    successes = sum(ti["state"] == "success" for ti in tis)
    retried = sum(ti["try_number"] > 1 for ti in tis)
    batched_limit = 2 * math.ceil(count / 250)
    log(f"triggerer kill done: run {state}, {successes}/{count} success")
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


def catalog(stack: Stack, sandbox: str, count: int) -> list[str]:
    skus = requests.get(f"{stack.sandbox_url(sandbox)}/_sandbox/kakaclo/skus", params={"limit": count},
                        timeout=30).json()
    return skus["skus"] if isinstance(skus, dict) else skus


def wait_bursts(stack: Stack, sandboxes: list[str], threads, timeout: float = 120) -> None:
    """Until each stock sync has spent its burst (or ended): a limiter books its burst all at once, and
    requests that leave late from starved processes could overfill the vendor's still-empty bucket;
    after the burst, lateness only makes room. So the CPU-heavy sensors start after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(thread.is_alive() for thread in threads):
        seen = [Traffic(stack.sandbox_url(name)).stats()["requests"] for name in sandboxes]
        if all(count >= BURST + 20 for count in seen):
            return
        time.sleep(1)


class Background(threading.Thread):
    """A scenario run beside others (its own sandbox): its rows, or one failed row saying why it broke."""

    def __init__(self, name: str, *steps) -> None:
        super().__init__(name=name, daemon=True)
        self.steps, self.rows = steps, []

    def run(self) -> None:
        for step in self.steps:
            try:
                self.rows += step()
            except Exception as err:  # one row per broken scenario, the others still report
                self.rows.append(Row(self.name, "runs", f"broke: {type(err).__name__}: {err}", False))
                return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-uri", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--skus", type=int, default=int(os.environ.get("SCALE_SKUS", 9000)))
    parser.add_argument("--account-skus", type=int, default=int(os.environ.get("SCALE_ACCOUNT_SKUS", 9000)))
    parser.add_argument("--orders", type=int, default=int(os.environ.get("SCALE_ORDERS", 300)))
    parser.add_argument("--sensors", type=int, default=int(os.environ.get("SCALE_SENSORS", 500)))
    parser.add_argument("--scenarios", default=os.environ.get("SCALE_SCENARIOS", ",".join(SCENARIOS)),
                        help=f"comma-separated, of {', '.join(SCENARIOS)}")
    parser.add_argument("--order-burst", type=int, default=None,
                        help="the orders' vendor burst (default the documented 120): a small one keeps a few "
                             "dozen orders placing long enough to kill a worker in the middle")
    parser.add_argument("--window", type=float, default=20, help="seconds over which requests per cycle are counted")
    parser.add_argument("--root", type=Path, default=REPO / ".scale")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    if unknown := set(chosen) - set(SCENARIOS):
        parser.error(f"unknown scenarios {', '.join(sorted(unknown))} (known: {', '.join(SCENARIOS)})")
    if args.sensors > 100 * len(SEED_TOKENS):
        parser.error(f"at most {100 * len(SEED_TOKENS)} sensors")

    started = time.monotonic()
    needed = {"budget": ("stock", "baseline"), "accounts": ("accounts",), "workers": ("orders",),
              "triggerers": ("sensors",)}
    stack = Stack(bin=Path(sys.executable).parent, root=args.root, pg_uri=args.pg_uri, redis_url=args.redis_url,
                  catalog=args.skus, order_burst=args.order_burst, sandboxes=tuple(n for n in SANDBOXES if any(n in needed[c] for c in chosen)))
    atexit.register(stack.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"starting the stack under {args.root} (logs: {args.root / 'logs'})")
    stack.start_sandboxes()
    seeding = Background("seed", lambda: [])
    sensor_ids: list[str] = []
    if "triggerers" in chosen:  # the orders the sensors wait for, placed while Airflow comes up
        seeding = Background("seeding the sensors' orders", lambda: sensor_ids.extend(
            seed_sensor_orders(stack, args.sensors)) or [])
    seeding.start()
    stack.start()
    log(f"stack up in {time.monotonic() - started:.0f} s: api-server {stack.api_url}")
    # The worker kill first and alone: a killed worker takes down whatever runs on it. Then the rest at
    # once, each on a vendor of its own, while the orders finish (bounded by their vendor's budget): the
    # stock syncs, and once their bursts are spent, the 1,000 short task runs of the triggerer kill.
    orders = WorkerDies(stack, args.orders) if "workers" in chosen else None
    if orders:
        orders.start()
    side: dict[str, Background] = {}
    if "budget" in chosen:
        skus = catalog(stack, "stock", args.skus)
        side["budget"] = Background("shared budget", lambda: shared_budget(stack, skus, 6))
        side["baseline"] = Background("baseline", lambda: baseline(stack, skus, 6))
    if "accounts" in chosen:
        account_skus = catalog(stack, "accounts", args.account_skus)
        side["accounts"] = Background("two accounts", lambda: two_accounts(stack, account_skus, 3))
    for thread in side.values():
        thread.start()
    wait_bursts(stack, [name for name in ("stock", "accounts") if name in stack.sandboxes], side.values())
    rows: dict[str, list[Row]] = {}
    if "triggerers" in chosen:
        seeding.join()
        rows["triggerers"] = seeding.rows or triggerer_dies(stack, sensor_ids, args.window)
    if orders:
        rows["workers"] = orders.finish()
    for name, thread in side.items():
        thread.join()
        rows[name] = thread.rows
    ordered = [row for name in ("budget", "baseline", "workers", "triggerers", "accounts") for row in rows.get(name, [])]
    passed = sum(r.holds for r in ordered)
    print()
    print(f"make scale, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"{time.monotonic() - started:.0f} s in all")
    print(table(ordered))
    print(f"{passed} passed, {len(ordered) - passed} failed")
    return 0 if ordered and passed == len(ordered) else 1


if __name__ == "__main__":
    sys.exit(main())
