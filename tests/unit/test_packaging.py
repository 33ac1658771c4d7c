"""Packaging metadata (#19 item 9): licence, classifiers, URLs and changelog are in the tree and consistent."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_licence_file_and_expression_agree():
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text()[:400]


def test_classifiers_name_the_python_versions_we_require_and_a_status():
    classifiers = PROJECT["classifiers"]
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert "Framework :: Apache Airflow :: Provider" in classifiers
    floor = re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"])
    assert floor, PROJECT["requires-python"]
    listed = [int(c.rsplit(".", 1)[1]) for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert listed and min(listed) >= int(floor.group(1))


def test_project_urls_are_https_and_name_the_vendor_docs_we_cite():
    urls = PROJECT["urls"]
    assert urls and all(u.startswith("https://") for u in urls.values())
    specs = ROOT.parent / "shared" / "specs"
    cited = " ".join(p.read_text() for p in specs.glob("*.md")) if specs.is_dir() else ""
    for url in urls.values():
        host = url.split("/")[2]
        assert not cited or host in cited, f"{url}: not a host the vendor specs cite"


def test_changelog_has_this_release_and_a_deprecation_policy():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {PROJECT['version']}" in changelog
    assert re.search(r"deprecat", changelog, re.I)
