"""The sandbox is an independent reading of the docs: it imports only stdlib, web and HTTP libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import airflow_provider_kakaclo.sandbox as sandbox_package

ROOT = Path(sandbox_package.__file__).parent
ALLOWED_THIRD_PARTY = {"fastapi", "starlette", "uvicorn", "pydantic", "requests"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_provider_or_airflow_imports():
    stdlib = set(sys.stdlib_module_names)
    offenders = {}
    for path in ROOT.rglob("*.py"):
        bad = {name for name in imported_modules(path)
               if name.split(".")[0] not in stdlib and name.split(".")[0] not in ALLOWED_THIRD_PARTY}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_import_is_light():
    code = ("import sys, airflow_provider_kakaclo.sandbox as s, airflow_provider_kakaclo.sandbox.client;"
            "print(any(m.startswith(('fastapi', 'uvicorn', 'airflow.')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_command_line_arguments():
    from airflow_provider_kakaclo.sandbox.__main__ import parse_args, settings_from

    args = parse_args(["--port", "0", "--catalog-size", "200000", "--seed", "9",
                       "--switches", '{"kakaclo": {"rate_limit_enabled": false}}'])
    assert (args.host, args.port) == ("127.0.0.1", 0)
    assert settings_from(args) == {"catalog_size": 200000, "seed": 9,
                                   "switches": {"kakaclo": {"rate_limit_enabled": False}}}
