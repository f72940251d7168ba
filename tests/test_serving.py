"""Two real replicas of the app behind a real HAProxy (deploy/haproxy.cfg), driven without browsers.

The pages are ``harness.ws_client.Page`` objects: Streamlit's websocket protocol and its upload endpoint, as
the page in a browser uses them, through the proxy's stickiness cookie.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.proxy import config_for, replicas_behind_proxy, require_haproxy, stop_replica
from harness.server import TEST_ARTIFACTS
from harness.simulated_class import Tally, drive
from harness.ws_client import Page

SETTINGS = ("lr", "iters", "optimizer", "source", "degree", "intercept", "l2")


def own_table(owner: str) -> bytes:
    """A table whose column names belong to one session only."""
    rng = random.Random(owner)
    rows = [f"{owner}_alpha,{owner}_beta,kind"]
    rows += [f"{rng.gauss(2 * (i % 2), 0.7):.3f},{rng.gauss(1 - i % 2, 0.7):.3f},{'ny'[i % 2]}" for i in range(120)]
    return ("\n".join(rows) + "\n").encode()


async def open_pages(url: str, count: int) -> list[Page]:
    pages = [Page(url, name=f"student{i}", keep_frames=True) for i in range(count)]
    for page in pages:
        run = await page.open()
        assert run.errors == []
    return pages


async def scenario(proxy) -> None:
    url = proxy.url
    # A short class: the generator's users spread over both replicas and finish their runs without errors.
    tally: Tally = await drive(url, sessions=6, duration=8.0, think=(0.5, 1.0), seed=1, mix="class")
    assert tally.errors == {}, tally.examples
    assert {replica for *_, replica in tally.runs} == {"app1", "app2"}

    pages = await open_pages(url, 4)
    assert {p.replica for p in pages} == {"app1", "app2"}, "the proxy spread the pages over both replicas"
    uploader = pages[0]
    same_replica = [p for p in pages[1:] if p.replica == uploader.replica]
    other_replica = [p for p in pages if p.replica != uploader.replica]
    assert same_replica and other_replica

    # An upload through the proxy reaches the session's own replica and trains.
    await uploader.set(source="My CSV file")
    run = await uploader.upload("upload", "mine.csv", own_table("uploader"))
    assert run.errors == []
    assert uploader.value("target") == "kind"
    assert any("**Loss**" in t for t in run.texts), "the uploaded table trained"
    assert uploader.received("uploader_alpha")
    await uploader.set(lr=0.37, iters=700, optimizer="Adam", intercept=False)
    before = {key: uploader.value(key) for key in SETTINGS}
    assert before["lr"] == 0.37 and before["intercept"] is False and before["source"] == "My CSV file"

    # Sessions stay isolated: no other page, on either replica, ever received the upload's columns.
    for page in pages[1:]:
        await page.set(source="My CSV file")
        await page.set(view="Data")
        assert not page.received("uploader_alpha"), f"{page.name} saw another session's upload"

    # The uploader's replica stops: its page reconnects through the proxy to the other replica with the same
    # address and widget states, and the server there keeps every setting (it would rewrite the address
    # otherwise), and asks for the file again.
    address, first_replica = uploader.query_string, uploader.replica
    served_before = {p.name: (p.replica, p.session_id) for p in other_replica}
    stop_replica(proxy.replica(first_replica))
    run = await uploader.reconnect()
    assert run.errors == []
    assert uploader.replica not in (None, first_replica)
    assert uploader.query_string == address
    assert any("Upload your CSV file again" in t for t in run.texts), run.texts
    # A page opened afresh with that address (no widget states of its own) shows the same values.
    reopened = Page(url, address, name="reopened")
    run = await reopened.open()
    assert run.errors == []
    assert {key: reopened.value(key) for key in SETTINGS} == before
    assert any("Upload your CSV file again" in t for t in run.texts), run.texts

    # The other replica's pages notice nothing: the same session answers their next change.
    for page in other_replica:
        run = await page.set(iters=300)
        assert run.errors == []
        assert (page.replica, page.session_id) == served_before[page.name]
    for page in [*pages, reopened]:
        await page.close()


def test_the_deployed_configuration_is_valid_with_one_server_line_per_replica(tmp_path):
    config = tmp_path / "haproxy.cfg"
    config.write_text(config_for(["127.0.0.1:9001", "127.0.0.1:9002", "10.0.0.3:8501"]))
    servers = [line.split() for line in config.read_text().splitlines() if line.strip().startswith("server ")]
    assert servers == [
        ["server", f"app{i}", address, "cookie", f"app{i}"]
        for i, address in enumerate(["127.0.0.1:9001", "127.0.0.1:9002", "10.0.0.3:8501"], start=1)
    ]
    checked = subprocess.run(
        [require_haproxy(), "-c", "-f", str(config)],
        env={**os.environ, "CEDASH_PROXY_PORT": "8500"},
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ALERT" not in checked.stdout + checked.stderr


@pytest.mark.slow
def test_two_replicas_behind_haproxy_serve_a_class_and_survive_losing_one():
    with replicas_behind_proxy(2, TEST_ARTIFACTS / "serving") as proxy:
        # Its own thread: a browser test earlier in the same run leaves Playwright's event loop in this one.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, scenario(proxy)).result()
