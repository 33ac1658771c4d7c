"""The sandbox is an independent reading of the docs: it imports only stdlib, web and HTTP libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_help_and_docs_give_the_catalog_default_the_sandbox_uses(capsys):
    """``kakaclo-sandbox --help``, the sandbox README and the code agree on the catalog's default size."""

    from airflow_provider_kakaclo.sandbox.__main__ import parse_args
    from airflow_provider_kakaclo.sandbox.kakaclo.state import DEFAULT_CATALOG_SIZE

    with pytest.raises(SystemExit):
        parse_args(["--help"])
    assert f"(default {DEFAULT_CATALOG_SIZE})" in capsys.readouterr().out
    readme = (Path(__file__).parents[2] / "airflow_provider_kakaclo" / "sandbox" / "README.md").read_text()
    assert f"`--catalog-size` ({DEFAULT_CATALOG_SIZE})" in readme
    assert f"(default {DEFAULT_CATALOG_SIZE})" in readme
