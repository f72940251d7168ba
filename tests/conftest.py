import re
import sys
from pathlib import Path

import pytest

# The harness (server and browser start-up, shared with the benchmarks) lives at the repository root.
REPO_ROOT = str(Path(__file__).resolve().parents[1])
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from harness.browser import VIEWPORT, ChromiumMissing, launch_chromium  # noqa: E402 (needs the root on sys.path)
from harness.server import TEST_ARTIFACTS as ARTIFACTS  # noqa: E402
from harness.server import ServerError, streamlit_server  # noqa: E402


@pytest.fixture(autouse=True)
def _scipy_array_api_for_sklearn_checks(request, monkeypatch):
    """SCIPY_ARRAY_API=1 for scikit-learn's estimator checks only, never for the session or its servers.

    scikit-learn reads the variable when check_array_api_input runs and refuses to run it without; scipy reads
    it once, at import, and with the only namespace installed here (numpy) computes the same with or without
    it. Were array_api_strict or torch installed, scipy would need it before its import: that check would then
    have to run in a subprocess of its own.
    """
    if request.node.path.name == "test_sklearn_conformance.py":
        monkeypatch.setenv("SCIPY_ARRAY_API", "1")


# --- real browser against a real `streamlit run` (tests marked `browser`) -------------------------------------


@pytest.fixture(scope="session")
def app_url():
    try:
        with streamlit_server(ARTIFACTS / "streamlit-server.log") as server:
            yield server.url
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright)
        except ChromiumMissing as exc:
            # Never skip: a missing browser must turn the run red, with the fix in the message.
            pytest.fail(str(exc), pytrace=False)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so fixtures can tell, at teardown, whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def save_full_page(page, path: Path) -> None:
    """Screenshot the whole page. Streamlit scrolls inside its own container, so grow the viewport to fit it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight,
            ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
               .map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(int(height), 10_000))})
    page.screenshot(path=str(path), full_page=True)


@pytest.fixture
def page(browser, request):
    # Imported here: Playwright and Streamlit's messages are not worth loading for the tests without a browser.
    from browser_helpers import new_page

    page = new_page(browser)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            save_full_page(page, ARTIFACTS / f"{name}.png")
        except Exception as exc:  # a failed screenshot must not hide the test's own failure
            print(f"could not save a screenshot for {request.node.name}: {exc}", file=sys.stderr)
    page.context.close()
