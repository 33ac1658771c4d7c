"""The how-to guides' snippets run against the sandbox, so a guide cannot say what the code no longer does.

Every ```python block under ``docs/`` runs, in order, one namespace per guide (like a doctest session),
with the three ``*_default`` connections on the sandbox and these names given: ``sandbox`` (the
sandbox's control client), ``context`` (a small task context, as Airflow passes to ``execute``) and
``make_context(...)`` (another one, e.g. for another task or DAG run). A block right after a
``<!-- dag -->`` line is a DAG file: run the same way, it must leave a DAG in a module-level name.
A block raising, or an ``assert`` in it failing, fails the guide's test.
"""

from __future__ import annotations

import re
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.operators.conftest import FakeStateStore, FakeTI

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDES = sorted(DOCS.rglob("*.md"))
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def snippets(text: str) -> list[tuple[int, str, bool]]:
    """``(line, code, is_dag)`` of every python block of a Markdown text."""
    found = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        line = text.count("\n", 0, match.start()) + 2
        found.append((line, textwrap.dedent(match.group(1)), before == "<!-- dag -->"))
    return found


def make_context(task_id: str = "task", run_id: str = "manual__docs", map_index: int = -1) -> dict:
    return {
        "ti": FakeTI(task_id, run_id, map_index),
        "dag_run": SimpleNamespace(start_date=datetime.now(timezone.utc) - timedelta(minutes=1)),
        "task_state_store": FakeStateStore(),
    }


def run_guide(path: Path, namespace: dict) -> int:
    """Run every python block of ``path`` in ``namespace``; return how many ran."""
    from airflow.sdk import DAG

    text = path.read_text()
    blocks = snippets(text)
    for line, code, is_dag in blocks:
        before = {k for k, v in namespace.items() if isinstance(v, DAG)}
        try:
            exec(compile(code, f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line}", "exec"),
                 namespace)
        except BaseException as err:
            raise AssertionError(f"{path.name}, the block at line {line} failed: {type(err).__name__}: {err}") from err
        if is_dag:
            new = {k for k, v in namespace.items() if isinstance(v, DAG)} - before
            assert new, f"{path.name}, the DAG block at line {line} left no DAG in a module-level name"
            for name in new:
                assert namespace[name].task_dict, f"{path.name}:{line}: DAG {name} has no tasks"
    return len(blocks)


@pytest.fixture
def docs_namespace(sandbox, kakaclo_conn, qianyi_conn, birdsystem_conn, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a snippet writing a file writes it here
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))  # the embedded stock database starts empty per guide
    return {"__name__": "howto", "sandbox": sandbox, "context": make_context(), "make_context": make_context}


def test_there_are_guides():
    names = {p.name for p in GUIDES}
    assert {"place_order.md", "place_orders.md", "order_status_sensor.md", "refund_order.md", "stock_sync.md",
            "sku_upsert.md", "connections.md"} <= names


@pytest.mark.parametrize("path", GUIDES, ids=[p.stem for p in GUIDES])
def test_guide_snippets_run_against_the_sandbox(path, docs_namespace):
    started = time.monotonic()
    ran = run_guide(path, docs_namespace)
    if path.parent.name == "howto":
        assert ran >= 1, f"{path.name} has no runnable snippet"
    print(f"{path.name}: {ran} blocks in {time.monotonic() - started:.1f} s")


@pytest.mark.parametrize(("code", "message"), [
    ("x = 1\nassert x == 2, 'the stated result'\n", "the stated result"),
    ("raise ValueError('boom')\n", "ValueError: boom"),
    ("<!-- dag -->\n", "left no DAG"),
])
def test_a_false_or_failing_snippet_fails_its_guide(tmp_path, code, message):
    if code.startswith("<!--"):
        text = "intro\n\n<!-- dag -->\n```python\nx = 1\n```\n"
    else:
        text = f"intro\n\n```python\nok = True\n```\n\ntext\n\n```python\n{code}```\n"
    guide = tmp_path / "bad.md"
    guide.write_text(text)
    with pytest.raises(AssertionError, match=message):
        run_guide(guide, {"__name__": "howto"})


def test_marker_and_line_numbers_are_read():
    text = "a\n\n<!-- dag -->\n```python\nx = 1\n```\n\n```python\n  y = 2\n```\n```bash\nls\n```\n"
    assert snippets(text) == [(5, "x = 1\n", True), (9, "y = 2\n", False)]


def test_every_guide_is_linked_from_the_readme_and_the_provider_info():
    from airflow_provider_kakaclo.get_provider_info import get_provider_info

    readme = (ROOT / "README.md").read_text()
    linked = {link for entry in get_provider_info()["integrations"] for link in entry.get("how-to-guide", [])}
    for link in linked:
        assert (ROOT / link.lstrip("/")).is_file(), link
    for guide in (DOCS / "howto").glob("*.md"):
        relative = guide.relative_to(ROOT).as_posix()
        assert f"]({relative})" in readme, f"README does not link {relative}"
        assert f"/{relative}" in linked, f"no integration lists {relative}"


@pytest.mark.parametrize("path", GUIDES, ids=[p.stem for p in GUIDES])
def test_relative_links_resolve(path):
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()):
        if "://" not in target:
            assert (path.parent / target).resolve().exists(), f"{path.name} links {target}, which does not exist"
