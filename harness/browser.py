"""Debian's headless Chromium through Playwright, and the page selectors every driver of the app needs."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download does not work offline; these flags let Debian's Chromium run in a container.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
VIEWPORT = {"width": 1366, "height": 768}

APP = '[data-testid="stApp"]'
APP_IDLE = f'{APP}[data-test-script-state="notRunning"]'
# The page's charts, without the hidden one that loads plotly.js early (dashboard/chart_code.py).
SHOWN_CHART = '[data-testid="stPlotlyChart"]:not(.st-key-chart_code *)'
CHARTS = f"{SHOWN_CHART} .js-plotly-plot"


class ChromiumMissing(RuntimeError):
    """No Chromium binary where CEDASH_CHROMIUM (or the default path) points."""


def chromium_path() -> str:
    """CEDASH_CHROMIUM if set, else Debian's Chromium; read at each call so a test can point it elsewhere."""
    return os.environ.get("CEDASH_CHROMIUM", DEFAULT_CHROMIUM)


def require_chromium() -> str:
    """The Chromium binary's path; raises ChromiumMissing, saying how to install it, when there is none."""
    path = chromium_path()
    if not Path(path).exists():
        raise ChromiumMissing(
            f"Chromium not found at {path}. Install Debian's package (`apt-get install chromium`, or run "
            "`bash scripts/test.sh`, which does it), or point CEDASH_CHROMIUM at a Chromium binary."
        )
    return path


def launch_chromium(playwright, extra_args: tuple[str, ...] = ()):
    """``playwright.chromium.launch`` for Debian's Chromium: a browser (sync API) or an awaitable (async API)."""
    path = require_chromium()
    return playwright.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, *extra_args], headless=True)
