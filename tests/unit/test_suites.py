"""The list of tests that run on the newest Airflow only (tests/suites.py) stays honest."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.suites import AIRFLOW_FREE

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "airflow_provider_kakaclo"
# Its only Airflow name is the base class of the errors, AirflowException (through common-compat).
ALLOWED = {"airflow_provider_kakaclo.transport.errors"}


def _imports(source: str) -> set[str]:
    """Every module a file imports, at any depth of the file (function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _touches_airflow(names: set[str]) -> bool:
    return any(name == "airflow" or name.startswith("airflow.") for name in names)


def _airflow_modules() -> set[str]:
    """The provider's modules that import Airflow, directly or through another such module."""
    imports = {_module_name(path): _imports(path.read_text()) for path in PACKAGE.rglob("*.py")}
    found = {name for name, names in imports.items() if _touches_airflow(names)} - ALLOWED
    while True:
        more = {name for name, names in imports.items() if name not in found | ALLOWED
                and any(n == m or n.startswith(m + ".") for n in names for m in found)}
        if not more:
            return found
        found |= more


AIRFLOW_MODULES = _airflow_modules()


def _listed_files() -> list[Path]:
    files = []
    for entry in AIRFLOW_FREE:
        path = REPO / entry
        assert path.exists(), f"tests/suites.py lists {entry}, which does not exist"
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def test_the_provider_modules_that_use_airflow_are_found():
    # The scan must see the obvious ones, or the checks below would pass on an empty set.
    assert {"airflow_provider_kakaclo.hooks.base", "airflow_provider_kakaclo.operators.orders",
            "airflow_provider_kakaclo.triggers.orders", "airflow_provider_kakaclo._compat",
            "airflow_provider_kakaclo.hooks.kakaclo"} <= AIRFLOW_MODULES  # the last one through hooks.base
    assert not any(name.startswith("airflow_provider_kakaclo.sandbox") for name in AIRFLOW_MODULES)


@pytest.mark.parametrize("path", _listed_files(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_a_newest_only_test_file_imports_nothing_of_airflow(path):
    names = _imports(path.read_text())
    assert not _touches_airflow(names), f"{path.name} imports Airflow: it must run on every version"
    reached = {name for name in names if any(name == m or name.startswith(m + ".") for m in AIRFLOW_MODULES)}
    assert not reached, f"{path.name} imports {sorted(reached)}, which use Airflow"


def test_nor_does_anything_those_files_import_at_load_time():
    modules = [_module_name(path) for path in _listed_files()]
    code = ("import importlib, json, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print(json.dumps(sorted(n for n in sys.modules if n.startswith('airflow_provider_kakaclo'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "airflow_provider_kakaclo.sandbox" in loaded  # the import really happened
    assert not loaded & AIRFLOW_MODULES, sorted(loaded & AIRFLOW_MODULES)


def _collect(suite: str, *paths: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KAKACLO_SUITE": suite}
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
                          cwd=REPO, env=env, capture_output=True, text=True)


def test_the_airflow_suite_deselects_exactly_the_listed_tests():
    paths = ("tests/unit/test_locks.py", "tests/unit/test_masking.py")
    full, airflow = _collect("full", *paths), _collect("airflow", *paths)
    assert full.returncode == 0 and airflow.returncode == 0, full.stdout + airflow.stdout
    full_ids = [line for line in full.stdout.splitlines() if "::" in line]
    kept = [line for line in airflow.stdout.splitlines() if "::" in line]
    locks = [test_id for test_id in full_ids if test_id.startswith("tests/unit/test_locks.py")]
    assert locks and kept == [test_id for test_id in full_ids if test_id not in locks]
    assert f"{len(locks)} deselected" in airflow.stdout


def test_an_unknown_suite_stops_the_run():
    result = _collect("fast", "tests/unit/test_locks.py")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "KAKACLO_SUITE='fast'" in result.stderr + result.stdout
