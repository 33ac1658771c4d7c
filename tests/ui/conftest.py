"""The browser test's fixtures: Airflow's services with the provider and the sandbox, headless Chromium.

``make test`` installs Debian's Chromium (``scripts/chromium.sh``) and sets ``KAKACLO_CHROMIUM``; without
it these tests are skipped. Screenshots and every service's log land in ``test-artifacts/ui/airflow-<version>/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from airflow import __version__ as airflow_version

from tests.ui.airflow_stack import REPO, AirflowStack

CHROMIUM = os.environ.get("KAKACLO_CHROMIUM", "")
ARTIFACTS = Path(os.environ.get("KAKACLO_TEST_ARTIFACTS", REPO / "test-artifacts")) / "ui" / f"airflow-{airflow_version}"
# Playwright adds --headless; nothing may phone home: this machine's network is closed (see the README).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def stack(tmp_path_factory, artifacts):
    if "KAKACLO_CHROMIUM" not in os.environ:
        pytest.skip("KAKACLO_CHROMIUM is not set (make test sets it with scripts/chromium.sh)")
    if not os.access(CHROMIUM, os.X_OK):  # make test asked for the browser test: never skip it silently
        pytest.fail(f"KAKACLO_CHROMIUM={CHROMIUM!r} is not an executable browser (see scripts/chromium.sh)")
    stack = AirflowStack(tmp_path_factory.mktemp("ui-airflow"), artifacts)
    try:
        yield stack.start()
    finally:
        stack.stop()


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is open,
# which would break asyncio.run() in any test collected after these.
@pytest.fixture(scope="module")
def browser(stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, artifacts, request):
    # Tall enough for a whole connection form in one screenshot.
    context = browser.new_context(viewport={"width": 1400, "height": 1700}, base_url=request.getfixturevalue("stack").ui_url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    # Playwright's assertions wait 5 s unless told otherwise: a busy 2-core machine needed more for the
    # task page's extra links (Airflow 3.2.2, load ~20). The same bound as every action: it only caps a hang.
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page.goto("/")  # a first visit may pass through the login redirect, which lands on the home page
    page.get_by_role("button", name="Admin").wait_for()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
