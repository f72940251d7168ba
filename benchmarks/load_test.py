"""A classroom at once: N real browser sessions against one ``streamlit run app.py`` (issue 7).

Run ``python benchmarks/load_test.py`` (defaults: 20 sessions for 120 s), or ``--find-capacity`` to step the
number of sessions (5, 10, 20, 30, 40 by default, 45 s each, a fresh server for each step) and report the
largest count served with a rerun p95 of at most 1 s and no errors. ``--json PATH`` keeps the raw figures.

Each session is a Playwright browser context in one headless Chromium, driven with the async API. After loading
the page it loops until the time is up: wait a "think time" (uniform, 1-3 s by default: a student reads the
charts before the next click), then one action, chosen at random with these weights:

=========  ======  =====================================================================================
lr         40 %    type a new learning rate into the box (log-uniform 0.005-3, so most miss the run cache)
iters      20 %    type a new number of iterations (100-2,000)
optimizer  15 %    pick another optimiser
upload     10 %    upload a small CSV (40-400 rows, its own column names), switching to "My CSV file" first
sweep      10 %    open the Sweep tab, press "Run the sweep", go back to the Training tab
source      5 %    switch between the built-in data set and the uploaded file
=========  ======  =====================================================================================

Rerun latency is measured two ways:

in the page, per action
    From just before the action until the app's script state is 'notRunning' again, after the browser has
    received the rerun's ``script_finished`` message: what the person sees, minus drawing the charts. Here it
    includes the time the shared Chromium takes to handle the click and the messages while it renders every
    session. Completion is taken from the websocket (read through the DevTools protocol), not from the state
    attribute alone: a renderer that falls behind handles a rerun's messages in one batch, and the attribute
    then never shows 'running' at all. A sweep counts its button press only; the tab changes around it are
    reported as ``tab``.
on the server, per rerun
    From a rerun request reaching the server to the ``script_finished`` of the run that answers it being
    queued for the browser, noted inside the server by a probe loaded as ``sitecustomize`` from a temporary
    folder (the app is not changed): the server's own time, whatever the browsers on this machine are doing.

Errors, which must be 0: an exception element on the page, a "Something went wrong" alert, an action whose
rerun does not finish within 60 s, an action whose widget does not respond within 60 s, a crashed page, or
Streamlit's "Connection error" dialog. A refusal by the work limit (a clear message, not an error) is counted
separately, as are JavaScript errors in the page.

The server's RSS (its process and any children, from /proc) is sampled every second, with the CPU time of the
server and of everything else this script started. The browsers run on the same machine as the server, and on
2 cores the pages' own work (drawing Plotly charts for every session: about three times the server's CPU per
action) would take most of the CPU from the server. So the browser side (Chromium, Playwright's driver and the
client loop, in a child process) runs under SCHED_IDLE (``--client-priority normal`` turns that off) and the
server keeps the CPU it needs, as it would with the class's browsers on their own laptops. The in-the-page
figures then show browsers on a starved machine, and the offered load (actions per minute) is limited by what
one Chromium can drive; the server figures say what the server does with it. The script prints the load
average before and after, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for harness, which starts the server and the browser

from dashboard.settings import OPTIMIZER_LABELS  # noqa: E402
from harness.browser import APP_IDLE, VIEWPORT, ChromiumMissing, launch_chromium, require_chromium  # noqa: E402
from harness.process import cpu_seconds, rss_mb, run_queue_seconds  # noqa: E402
from harness.server import ServerError, python_path_with, streamlit_server  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
# A sitecustomize that notes each rerun inside the server (see its docstring); the app is not changed.
PROBE_DIR = Path(__file__).resolve().parent / "rerun_probe"
P95_TARGET_MS = 1000.0
MAX_DECODED_FRAME = 200_000  # base64 characters; a rerun request carries every widget's state, the table's too
VIEWS = {"server": "server", "page": "in-the-page"}
ACTION_TIMEOUT_MS = 60_000
LOAD_TIMEOUT_MS = 120_000
ACTIONS = {"lr": 40, "iters": 20, "optimizer": 15, "upload": 10, "sweep": 10, "source": 5}
OPTIMIZERS = tuple(OPTIMIZER_LABELS.values())  # as the Optimiser box shows them

STATE_IDLE_JS = "() => document.querySelector('%s') !== null" % APP_IDLE.replace("'", "\\'")
CHECK_JS = """
() => {
  const alerts = [...document.querySelectorAll('[data-testid="stAlert"]')].map((e) => e.innerText);
  const dialogs = [...document.querySelectorAll('[role="dialog"]')].map((e) => e.innerText);
  return {
    exceptions: document.querySelectorAll('[data-testid="stException"]').length,
    wrong: alerts.filter((t) => t.includes('Something went wrong')).length,
    refused: alerts.filter((t) => t.includes('more work than this server allows') || t.includes('over the limit'))
      .length,
    disconnected: dialogs.some((t) => t.includes('Connection error')),
  };
}
"""


# --- the server's memory and CPU ----------------------------------------------------------------------------


class Sampler(threading.Thread):
    """The server's RSS and CPU time every second, on a thread so the browser's event loop cannot delay it."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float, float]] = []  # (monotonic time, RSS MB, CPU seconds)
        # CPU seconds of this script's own process tree (Playwright's driver and Chromium) minus the server's.
        self.client_cpu: list[float] = []
        self.waiting: list[float] = []  # the server's run-queue seconds: how long it waited for a CPU
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            server_cpu = cpu_seconds(self.pid)
            self.samples.append((time.monotonic(), rss_mb(self.pid), server_cpu))
            self.client_cpu.append(cpu_seconds(os.getpid()) - server_cpu)
            self.waiting.append(run_queue_seconds(self.pid))
            self._halt.wait(1.0)

    def stop(self):
        self._halt.set()
        self.join(timeout=5)

    def window(self, start: float, end: float) -> list[tuple[float, float, float]]:
        return [s for s in self.samples if start <= s[0] <= end]


def slope_mb_per_min(samples) -> float:
    if len(samples) < 2:
        return float("nan")
    ts = [(t - samples[0][0]) / 60 for t, _, _ in samples]
    rs = [r for _, r, _ in samples]
    mt, mr = statistics.fmean(ts), statistics.fmean(rs)
    var = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (r - mr) for t, r in zip(ts, rs, strict=True)) / var if var else float("nan")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- sessions -------------------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    refused: int = 0
    js_errors: list[str] = field(default_factory=list)
    load_ms: list[float] = field(default_factory=list)

    def latency(self, action: str, ms: float) -> None:
        self.latencies.setdefault(action, []).append(ms)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.error_examples) < 20:
            self.error_examples.append(f"{kind}: {detail}")


def small_csv(rng: random.Random, session: int) -> bytes:
    n = rng.randint(40, 400)
    lines = [f"s{session}_len,s{session}_wid,kind"]
    for i in range(n):
        c = i % 2
        lines.append(f"{rng.gauss(2 * c, 0.8):.3f},{rng.gauss(1 - c, 0.8):.3f},{'ab'[c]}")
    return ("\n".join(lines) + "\n").encode()


class Session:
    def __init__(self, index: int, page, url: str, stats: Stats, think: tuple[float, float]):
        self.i = index
        self.page = page
        self.url = url
        self.stats = stats
        self.think = think
        self.rng = random.Random(1000 + index)
        self.lr, self.iters, self.optimizer = "0.1", "500", OPTIMIZER_LABELS["gd"]
        self.source_csv = False
        self.uploaded = False
        self.crashed = False
        # Chromium's timestamps (seconds) of each rerun request sent and each script_finished received.
        self.requests: list[float] = []
        self.finished: list[float] = []
        self._news = asyncio.Event()
        page.on("crash", lambda _: self._crash())
        page.on("pageerror", lambda exc: stats.js_errors.append(str(exc)[:200]))

    def _crash(self):
        self.crashed = True
        self.stats.error("crash", f"session {self.i}")

    async def load(self) -> None:
        t0 = time.monotonic()
        await self.page.goto(self.url)
        await self.page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
        await self.page.get_by_label("Learning rate", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
        self.stats.load_ms.append((time.monotonic() - t0) * 1000)

    async def listen(self) -> None:
        """Watch the websocket through the DevTools protocol, whose frame timestamps come from Chromium's
        network stack: they do not wait for a busy renderer, nor for Playwright to pass the event on."""
        self.cdp = await self.page.context.new_cdp_session(self.page)
        self.cdp.on("Network.webSocketFrameSent", self._sent)
        self.cdp.on("Network.webSocketFrameReceived", self._received)
        await self.cdp.send("Network.enable")

    @staticmethod
    def _payload(params: dict) -> bytes | None:
        response = params.get("response") or {}
        data = response.get("payloadData", "")
        # Only binary frames carry Streamlit's protobuf messages, and the two kinds timed here are small:
        # skipping the figures' frames keeps this process's CPU for the browser.
        if response.get("opcode") != 2 or len(data) > MAX_DECODED_FRAME:
            return None
        return base64.b64decode(data)

    def _sent(self, params: dict) -> None:
        payload = self._payload(params)
        with contextlib.suppress(Exception):
            if payload and BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
                self.requests.append(params["timestamp"])

    def _received(self, params: dict) -> None:
        payload = self._payload(params)
        with contextlib.suppress(Exception):
            if payload and ForwardMsg.FromString(payload).WhichOneof("type") == "script_finished":
                self.finished.append(params["timestamp"])
                self._news.set()

    async def _rerun_finished(self, n_requests: int, n_finished: int, deadline: float) -> None:
        """Wait for a script_finished that arrived after the action's rerun request left the page."""
        while True:
            if len(self.requests) > n_requests:
                asked = self.requests[n_requests]
                if any(t > asked for t in self.finished[n_finished:]):
                    return
            self._news.clear()
            await asyncio.wait_for(self._news.wait(), timeout=max(0.01, deadline - time.monotonic()))

    async def measured(self, name: str, act) -> None:
        """Run ``act`` (an action that causes a rerun) and record how long the rerun takes, seen two ways."""
        page = self.page
        t0 = time.monotonic()
        n_requests, n_finished = len(self.requests), len(self.finished)
        deadline = t0 + ACTION_TIMEOUT_MS / 1000
        try:
            await act()
            await self._rerun_finished(n_requests, n_finished, deadline)
            timeout_ms = max(1.0, (deadline - time.monotonic()) * 1000)
            await page.wait_for_function(STATE_IDLE_JS, timeout=timeout_ms, polling=50)
        except Exception as exc:  # a timeout, or the page went away
            detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            self.stats.error("timeout", f"session {self.i} {name}: {detail}")
            with contextlib.suppress(Exception):
                await page.screenshot(path=str(RESULTS / f"load-test-timeout-{self.i}-{name}.png"))
            return
        self.stats.latency(name, (time.monotonic() - t0) * 1000)
        found = await page.evaluate(CHECK_JS)
        if found["exceptions"]:
            self.stats.error("exception element", f"session {self.i} after {name}")
        if found["wrong"]:
            self.stats.error("'Something went wrong'", f"session {self.i} after {name}")
        if found["disconnected"]:
            self.stats.error("connection error", f"session {self.i} after {name}")
        self.stats.refused += found["refused"] > 0

    async def set_number(self, name: str, label: str, value: str) -> None:
        box = self.page.get_by_label(label, exact=True)
        await box.fill(value)
        await self.measured(name, lambda: box.press("Enter"))

    async def open_tab(self, name: str) -> None:
        tab = self.page.get_by_role("tab", name=name)
        if await tab.get_attribute("aria-selected") != "true":
            await self.measured("tab", tab.click)

    async def step(self) -> None:
        action = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        page, rng = self.page, self.rng
        if action == "lr":
            value = self.lr
            while value == self.lr:
                value = f"{10 ** rng.uniform(math.log10(0.005), math.log10(3)):.3g}"
            self.lr = value
            await self.set_number("lr", "Learning rate", value)
        elif action == "iters":
            value = self.iters
            while value == self.iters:
                value = str(rng.randrange(100, 2001, 100))
            self.iters = value
            await self.set_number("iters", "Iterations", value)
        elif action == "optimizer":
            value = rng.choice([o for o in OPTIMIZERS if o != self.optimizer])
            self.optimizer = value
            box = page.get_by_role("combobox", name="Optimiser")
            option = page.get_by_role("option", name=value, exact=True)
            # The first click on a fresh page's select box can leave its list closed; a person clicks again.
            for attempt in range(3):
                await box.click()
                try:
                    await option.wait_for(timeout=3_000 if attempt < 2 else ACTION_TIMEOUT_MS)
                    break
                except Exception:
                    if attempt == 2:
                        raise
            await self.measured("optimizer", option.click)
        elif action == "upload":
            if not self.source_csv:
                await self.measured("source", page.get_by_text("My CSV file", exact=True).click)
                self.source_csv = True
            uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
            content = small_csv(rng, self.i)
            files = [{"name": f"class-{self.i}.csv", "mimeType": "text/csv", "buffer": content}]
            await self.measured("upload", lambda: uploader.set_input_files(files=files))
            self.uploaded = True
        elif action == "sweep":
            await self.open_tab("Sweep")
            await self.measured("sweep", page.get_by_role("button", name="Run the sweep").click)
            await self.open_tab("Training")
        elif action == "source":
            label = "Built-in data set" if self.source_csv else "My CSV file"
            await self.measured("source", page.get_by_text(label, exact=True).click)
            self.source_csv = not self.source_csv

    async def loop(self, deadline: float) -> None:
        while time.monotonic() < deadline and not self.crashed:
            await asyncio.sleep(self.rng.uniform(*self.think))
            if time.monotonic() >= deadline:
                break
            try:
                await self.step()
            except Exception as exc:  # a widget that never appeared, or the page closed under us
                if self.crashed:
                    break
                self.stats.error("action failed", f"session {self.i}: {str(exc).splitlines()[0][:120]}")


async def drive(url: str, sessions: int, duration: float, think: tuple[float, float], stats: Stats) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await launch_chromium(pw)
        try:
            clients = []
            for i in range(sessions):
                context = await browser.new_context(viewport=VIEWPORT)
                page = await context.new_page()
                page.set_default_timeout(ACTION_TIMEOUT_MS)
                client = Session(i, page, url, stats, think)
                await client.listen()
                clients.append(client)
            # A class opens the page within a few seconds, not at the same instant.
            started = time.monotonic()

            async def arrive(client):
                await asyncio.sleep(client.rng.uniform(0, min(10.0, sessions * 0.3)))
                await client.load()

            loaded = await asyncio.gather(*(arrive(c) for c in clients), return_exceptions=True)
            for i, outcome in enumerate(loaded):
                if isinstance(outcome, BaseException):
                    stats.error("page did not load", f"session {i}: {str(outcome).splitlines()[0][:120]}")
            ready = [c for c, outcome in zip(clients, loaded, strict=True) if not isinstance(outcome, BaseException)]
            start = time.monotonic()
            await asyncio.gather(*(c.loop(start + duration) for c in ready))
            end = time.monotonic()
        finally:
            await browser.close()
    return {"arrival_s": start - started, "start": start, "end": end}


# --- reporting ------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def spread(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": max(values, default=float("nan")),
    }


def summarise(
    sessions: int, duration: float, think, client: str, stats: Stats, server_ms: list, sampler: Sampler, timing: dict
) -> dict:
    window = sampler.window(timing["start"], timing["end"]) or sampler.samples
    mid = window[len(window) // 2]
    seconds = max(1e-9, window[-1][0] - window[0][0])
    cpu = (window[-1][2] - window[0][2]) / seconds
    first, last = sampler.samples.index(window[0]), sampler.samples.index(window[-1])
    client_cpu = (sampler.client_cpu[last] - sampler.client_cpu[first]) / seconds
    # Threads that end between two samples take their counts with them, so the difference can dip below 0.
    waiting = max(0.0, (sampler.waiting[last] - sampler.waiting[first]) / seconds)
    every_page = [v for vs in stats.latencies.values() for v in vs]
    return {
        "sessions": sessions,
        "duration_s": duration,
        "think_s": list(think),
        "client_priority": client,
        "arrival_s": round(timing["arrival_s"], 1),
        "page_load_ms": {"p50": percentile(stats.load_ms, 50), "max": max(stats.load_ms, default=float("nan"))},
        "page": {name: spread(vs) for name, vs in sorted(stats.latencies.items())} | {"all": spread(every_page)},
        "server": {"all": spread(server_ms)},
        "actions_per_minute": len(every_page) / (duration / 60),
        "server_cpu_seconds_per_rerun": cpu * seconds / max(1, len(server_ms)),
        "errors": sum(stats.errors.values()),
        "errors_by_kind": stats.errors,
        "error_examples": stats.error_examples,
        "refused_by_work_limit": stats.refused,
        "js_errors": len(stats.js_errors),
        "js_error_examples": sorted(set(stats.js_errors))[:5],
        "rss_mb": {
            "before_sessions": sampler.samples[0][1],
            "start": window[0][1],
            "middle": mid[1],
            "end": window[-1][1],
            "peak": max(r for _, r, _ in window),
            "slope_mb_per_min": slope_mb_per_min(window),
            "slope_second_half_mb_per_min": slope_mb_per_min(window[len(window) // 2 :]),
            "series": [[round(t - window[0][0], 1), round(r, 1)] for t, r, _ in window],
        },
        "server_cpu_cores": cpu,
        "browser_cpu_cores": client_cpu,
        "server_cpu_wait": waiting,
    }


def print_run(result: dict) -> None:
    think = result["think_s"]
    print(
        f"\n{result['sessions']} sessions for {result['duration_s']:.0f} s, think time {think[0]:g}-{think[1]:g} s, "
        f"browser side at {result['client_priority']} priority, arrivals over {result['arrival_s']:.0f} s "
        f"(page load p50 {result['page_load_ms']['p50']:.0f} ms, max {result['page_load_ms']['max']:.0f} ms)"
    )
    print(f"{'rerun latency':<22} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    rows = [(f"page: {name}", a) for name, a in result["page"].items()]
    rows.append(("server: every rerun", result["server"]["all"]))
    for name, a in rows:
        print(f"{name:<22} {a['count']:>6} {a['p50_ms']:>8.0f} {a['p95_ms']:>8.0f} {a['max_ms']:>8.0f}")
    per_rerun = result["server_cpu_seconds_per_rerun"]
    print(
        f"actions per minute, whole class: {result['actions_per_minute']:.0f} ({result['actions_per_minute'] / 60:.1f}"
        f" per second); server CPU per rerun {per_rerun * 1000:.0f} ms, so the server saturates at about "
        f"{1 / per_rerun:.0f} reruns per second if its Python work holds one core (the GIL), "
        f"{(os.cpu_count() or 1) / per_rerun:.0f} at best"
    )
    kinds = ", ".join(f"{k} {v}" for k, v in result["errors_by_kind"].items()) or "none"
    print(f"errors: {result['errors']} ({kinds}); refused by the work limit: {result['refused_by_work_limit']}")
    print(f"JavaScript errors in the pages: {result['js_errors']}")
    for example in result["error_examples"][:5]:
        print(f"  {example}")
    rss = result["rss_mb"]
    print(
        f"server RSS MB: before sessions {rss['before_sessions']:.0f}, start {rss['start']:.0f}, "
        f"middle {rss['middle']:.0f}, end {rss['end']:.0f}, peak {rss['peak']:.0f}; slope "
        f"{rss['slope_mb_per_min']:+.1f} MB/min over the run, {rss['slope_second_half_mb_per_min']:+.1f} "
        "MB/min over its second half"
    )
    series = rss["series"]
    step = max(1, len(series) // 8)
    print("RSS over time (s: MB): " + ", ".join(f"{t:.0f}: {r:.0f}" for t, r in series[::step]))
    print(
        f"CPU on average: server {result['server_cpu_cores']:.2f} cores, browser side (Chromium, Playwright, "
        f"client) {result['browser_cpu_cores']:.2f} cores (of {os.cpu_count()}); the server's threads waited "
        f"{result['server_cpu_wait']:.2f} s per second for a CPU"
    )


def fits(result: dict, view: str) -> bool:
    return result["errors"] == 0 and result[view]["all"]["p95_ms"] <= P95_TARGET_MS


def run_client(args) -> int:
    """The browser side of one run, in its own process: writes its Stats and timing as JSON."""
    stats = Stats()
    timing = asyncio.run(drive(args.client, args.sessions, args.duration, tuple(args.think), stats))
    args.client_out.write_text(json.dumps({"stats": asdict(stats), "timing": timing}))
    return 0


def lower_priority() -> None:
    # SCHED_IDLE, unlike a nice value, survives Chromium raising its own processes' priority (it sets -8 on its
    # browser and GPU processes), and every thread and process started from here inherits it.
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def run_once(sessions: int, duration: float, think: tuple[float, float], client: str, log_name: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        probe = folder / "reruns.txt"
        env = {"CEDASH_LOADTEST_PROBE": str(probe), "PYTHONPATH": python_path_with(PROBE_DIR)}
        with streamlit_server(RESULTS / log_name, env=env, timeout=90.0) as server:
            sampler = Sampler(server.pid)
            sampler.start()
            out = folder / "client.json"
            cmd = [sys.executable, __file__, "--client", server.url, "--client-out", str(out)]
            cmd += ["--sessions", str(sessions), "--duration", str(duration), "--think", str(think[0]), str(think[1])]
            try:
                # Chromium, Playwright's driver and the client's own work run below the server's priority: on 2
                # shared cores they would otherwise take the CPU that a class's own laptops would spend.
                subprocess.run(cmd, check=True, preexec_fn=lower_priority if client == "idle" else None)
            finally:
                sampler.stop()
            found = json.loads(out.read_text())
        timing = found["timing"]
        server_ms = []
        for line in probe.read_text().splitlines() if probe.exists() else []:
            _, asked, done = line.split()
            if timing["start"] <= float(asked) <= timing["end"]:
                server_ms.append((float(done) - float(asked)) * 1000)
    stats = Stats(**found["stats"])
    return summarise(sessions, duration, think, client, stats, server_ms, sampler, timing)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of activity (default 120)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--find-capacity", action="store_true", help="step the session count; see --steps")
    parser.add_argument("--steps", default="5,10,20,30,40", help="session counts for --find-capacity")
    parser.add_argument("--step-duration", type=float, default=45.0, help="seconds per capacity step")
    parser.add_argument(
        "--client-priority",
        choices=("idle", "normal"),
        default="idle",
        help="scheduling of the browser side: idle (SCHED_IDLE, the default) or normal",
    )
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: run the browser side against this URL
    parser.add_argument("--client-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="write every figure, including the RSS series, here")
    args = parser.parse_args(argv)
    if args.client:
        return run_client(args)
    try:
        require_chromium()
    except ChromiumMissing as exc:
        print(exc, file=sys.stderr)
        return 2

    think = tuple(args.think)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": load_average()},
    }
    print(f"cedash load test on {os.cpu_count()} cores; load average before: {report['machine']['load_before']}")
    failed = False
    if args.find_capacity:
        steps = []
        for n in (int(s) for s in args.steps.split(",")):
            result = run_once(n, args.step_duration, think, args.client_priority, f"load-test-server-{n}.log")
            result["load_after"] = load_average()
            print_run(result)
            print(f"load average after: {result['load_after']}")
            steps.append(result)
        capacity = {view: max((s["sessions"] for s in steps if fits(s, view)), default=0) for view in VIEWS}
        print(f"\nCapacity ({args.step_duration:.0f} s per step, think time {think[0]:g}-{think[1]:g} s):")
        print(
            f"{'sessions':>8} {'actions/min':>11} {'errors':>7} {'server p50':>10} {'server p95':>10} "
            f"{'page p50':>9} {'page p95':>9} {'RSS MB':>7} {'server':>7} {'browser':>8} {'load after':>16}"
        )
        for s in steps:
            a, w = s["page"]["all"], s["server"]["all"]
            print(
                f"{s['sessions']:>8} {s['actions_per_minute']:>11.0f} {s['errors']:>7} {w['p50_ms']:>10.0f} "
                f"{w['p95_ms']:>10.0f} {a['p50_ms']:>9.0f} {a['p95_ms']:>9.0f} {s['rss_mb']['end']:>7.0f} "
                f"{s['server_cpu_cores']:>7.2f} {s['browser_cpu_cores']:>8.2f} {s['load_after']:>16}"
            )
        print("(server and browser: CPU cores used on average, on the same machine; RSS: the server's at the end)")
        for view, what in VIEWS.items():
            print(f"largest number of sessions with no errors and {what} p95 <= 1 s: {capacity[view]} (goal: 30)")
        report["capacity"] = {"steps": steps, "largest_ok": capacity, "goal": 30}
        failed = any(s["errors"] for s in steps)
    else:
        result = run_once(args.sessions, args.duration, think, args.client_priority, "load-test-server.log")
        print_run(result)
        report["run"] = result
        failed = result["errors"] > 0
    report["machine"]["load_after"] = load_average()
    print(f"load average after: {report['machine']['load_after']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=float))
        print(f"wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ServerError as exc:  # the server's own words, not a traceback of this script
        sys.exit(str(exc))
