"""A real Chromium page behind two real replicas and HAProxy: when its replica stops, the page opened again
(the same address) reaches the other replica through the proxy and comes back with its settings and a note
about its file."""

from __future__ import annotations

import pytest
from browser_helpers import GOOD_CSV, alert_with, choose_csv_source, open_app, set_number, sidebar, upload
from playwright.sync_api import expect

from harness.browser import APP_IDLE
from harness.proxy import replicas_behind_proxy, stop_replica
from harness.server import TEST_ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECONNECT_TIMEOUT_MS = 90_000


def replica_of(page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies["replica"]


def test_a_page_opened_again_after_its_replica_stops_comes_back_on_the_other_with_its_settings(page):
    with replicas_behind_proxy(2, TEST_ARTIFACTS / "serving-browser") as proxy:
        open_app(page, proxy.url)
        set_number(page, "Learning rate", "0.37")
        set_number(page, "Iterations", "700")
        choose_csv_source(page)
        upload(page, "pets.csv", GOOD_CSV)
        first = replica_of(page)

        stop_replica(proxy.replica(first))
        page.reload()
        page.wait_for_selector(APP_IDLE, timeout=RECONNECT_TIMEOUT_MS)
        alert_with(page, "Upload your CSV file again")
        assert replica_of(page) != first
        # On a loaded machine a reloaded page showed 0 in the box for a while before the run's value arrived.
        expect(sidebar(page).get_by_label("Learning rate", exact=True)).to_have_value(
            "0.37", timeout=RECONNECT_TIMEOUT_MS
        )
        expect(sidebar(page).get_by_label("Iterations", exact=True)).to_have_value("700", timeout=RECONNECT_TIMEOUT_MS)
        expect(sidebar(page).get_by_role("radio", name="My CSV file")).to_be_checked()
        assert "source=csv" in page.url and "lr=0.37" in page.url, page.url
