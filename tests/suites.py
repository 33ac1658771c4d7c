"""Which tests need Airflow, for ``make test``'s runs on the older Airflow versions.

``make test`` runs every test on the newest Airflow (``KAKACLO_SUITE=full``, the default), then on the
middle of the range and the floor with ``KAKACLO_SUITE=airflow``: the tests below are deselected there
(pytest's closing line counts them as "deselected"), because nothing they exercise comes from Airflow,
so a second and third run would repeat the first. They are the sandbox's own tests (the sandbox
imports nothing of Airflow) and transport/unit tests that drive the transport, limiter, models and
locks directly. The transport's errors subclass ``AirflowException`` (through common-compat); that
base class is all of Airflow they touch. Everything else runs on every version: hooks (Airflow's
connections and secrets masker), operators, sensors, triggers, example DAGs, how-to snippets,
lineage, retry policy, the fault campaign and the browser test. ``tests/unit/test_suites.py`` checks
that no module listed here imports Airflow or a part of the provider that does.
"""

from __future__ import annotations

import os

import pytest

#: Paths (relative to the repository root) of the tests that run on the newest Airflow only.
AIRFLOW_FREE = (
    "tests/sandbox/",
    "tests/transport/test_async_limiter.py",
    "tests/transport/test_deadline.py",
    "tests/transport/test_decode_settle.py",
    "tests/unit/test_locks.py",
    "tests/unit/test_pass_through.py",
    "tests/unit/test_skus.py",
    "tests/unit/test_suites.py",  # the checks of this list (it collects with pytest, not Airflow)
)

SUITES = ("full", "airflow")


def suite() -> str:
    value = os.environ.get("KAKACLO_SUITE", "full")
    if value not in SUITES:
        raise pytest.UsageError(f"KAKACLO_SUITE={value!r}: expected one of {', '.join(SUITES)}")
    return value


def airflow_free(relative_path: str) -> bool:
    return relative_path.startswith(AIRFLOW_FREE)
