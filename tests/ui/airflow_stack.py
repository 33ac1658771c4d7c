"""Airflow's own services in subprocesses, with this provider installed and the sandbox behind it.

The browser test needs what a user runs: the API server (which serves the UI), the scheduler, the
DAG processor and the triggerer, sharing one SQLite metadata DB, plus the sandbox and a process that
plays the supplier (ships paid orders). Everything lives under one folder whose logs are kept as
test artifacts next to the screenshots.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSED_ENV = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, procs: list[subprocess.Popen], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{what}: {proc.args[:3]} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not answer {url} within {timeout:.0f} s")


@dataclass
class AirflowStack:
    """Sandbox + supplier + ``airflow api-server / scheduler / dag-processor / triggerer``."""

    root: Path
    artifacts: Path
    sandbox_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen] = field(default_factory=list)
    #: One JWT secret for every process: the API server signs the workers' tokens with it.
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def logs(self) -> Path:
        return self.artifacts / "logs"

    def env(self) -> dict[str, str]:
        home = self.root / "airflow-home"
        # Only what a service needs from ours: their logs are kept as artifacts.
        env = {k: v for k, v in os.environ.items() if k in PASSED_ENV}
        env.update({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP": r"airflow_provider_kakaclo\..*",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.ui_url}/execution/",
            "AIRFLOW__API__BASE_URL": self.ui_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
            "AIRFLOW__API__SECRET_KEY": self.jwt_secret,
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "KAKACLO_SANDBOX_URL": self.sandbox_url,
        })
        return env

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        self.logs.mkdir(parents=True, exist_ok=True)
        out = open(self.logs / f"{name}.log", "wb")  # closed when the test session ends
        proc = subprocess.Popen(args, env=self.env(), stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def airflow(self, *args: str, timeout: float = 300) -> str:
        proc = subprocess.run([str(BIN / "airflow"), *args], env=self.env(), capture_output=True, text=True,
                              timeout=timeout, cwd=REPO)
        if proc.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc.stdout

    def start(self) -> AirflowStack:
        # The sandbox's autopilot ships each paid order 15 s after it appears: the sensor defers first,
        # and the trigger's event comes well after the scheduler handled the deferral (on a loaded 3.1
        # machine that took 5 s; an earlier event fails the task there: apache/airflow#66374).
        sandbox = self.spawn("sandbox", [str(BIN / "kakaclo-sandbox"), "--host", "127.0.0.1",
                                         "--port", str(self.sandbox_port), "--autopilot", "15"])
        wait_for(f"{self.sandbox_url}/_sandbox/switches", [sandbox], 60, "sandbox")
        self.airflow("db", "migrate")
        api = self.spawn("api-server", [str(BIN / "airflow"), "api-server", "--host", "127.0.0.1",
                                        "--port", str(self.api_port)])
        for name in ("scheduler", "dag-processor", "triggerer"):
            self.spawn(name, [str(BIN / "airflow"), name])
        wait_for(f"{self.ui_url}/api/v2/monitor/health", [api], 180, "api-server")
        return self

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10  # the triggerer can take longer to drain: no need here
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for proc in self.procs:  # the executor's workers are in the scheduler's group: leave none behind
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
