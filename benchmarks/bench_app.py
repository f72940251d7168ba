"""How fast the dashboard answers a learning-rate change, in a real headless Chromium.

Run ``python benchmarks/bench_app.py`` (about a minute) with ``--changes N`` (default 20) and
``--json PATH`` to keep the raw numbers. It starts its own ``streamlit run app.py`` on a free port,
opens the default page at 1366×768, then types N learning rates into the "Learning rate" box, each one
new (0.1·1.05^i, after two warm-up changes), so the app's run cache never answers and every change trains.

Per change it measures, in the page's own clock (``performance.now()``) unless said otherwise:

redraw
    From the Enter key to the moment the page is up to date: the script state is back to 'notRunning'
    after a 'running', and every chart whose figure changed has been redrawn (all the charts on the open
    tab, found by title). Streamlit replaces a chart's plot element (or its ``data``) when the figure
    changes, so a chart counts as redrawn at the first animation frame where it holds new data and
    plotly has laid it out.
page free again
    From the Enter key to the end of the last task of 50 ms or more that the page ran for this change (a
    ``longtask`` entry), or to the redraw if later: until then a click or a key waits. Work after the charts
    appear counts here and not in the redraw.
script run, in the page
    From 'running' to 'notRunning' on the app element, marked with ``performance.mark``. This is the
    script as the page lives it: the page handles no message while it draws a chart, so the drawing of
    the charts that arrive during the run is inside this span.
script run, server clock
    The script's own time: the server is ``streamlit run app.py`` with the same flags, started through
    this file so it can time each run (``--plain`` starts exactly ``python -m streamlit run`` instead,
    and leaves this out).
Enter → first message, last message → charts drawn
    The ends around the run: how soon the server answers, and how long the page draws after the last message.
websocket bytes
    The payload of every websocket message received during the rerun (as Playwright reports it, before
    any compression). Streamlit sends a large message only once per session and refers to it afterwards,
    so a change whose figures were already sent costs little.
figure JSON
    The length of every Plotly figure spec (the JSON ``st.plotly_chart`` sends) in this rerun's messages,
    read by decoding them as Streamlit's ``ForwardMsg`` protobuf. The figures as plotly.js holds them in the
    page are no measure: it decodes the base64 arrays in place, and a 120×120 grid then weighs 430 kB as text.

``--timeline`` also prints when each message of the median change reached the page, and what it held.
``--trace`` records Chromium's performance trace over the measured changes and prints the page's main thread
CPU time per change by kind of work (scripts, style, layout, paint), and how many charts were re-created (a new
plot element) rather than updated in place: ``st.plotly_chart`` makes the element's id from the figure's JSON,
so a changed figure is a new element, and plotly draws it from nothing.

``--floor`` times the same changes on cedash's page and then, in turn, on the least page that answers them:
the rate box and cedash's two charts, nothing else (``benchmarks/floor_app.py``), drawn by ``st.plotly_chart``
and by a small component that updates one plot in place with ``Plotly.react``. It prints the three redraws
side by side, as ratios to cedash's page: how much of a change is cedash's own page, and how much is what
Streamlit and plotly.js need on this machine to rerun a script and redraw these two figures.

Targets from the issue: redraw p50 ≤ 250 ms and p95 ≤ 500 ms, figure JSON ≤ 500 kB. The machine matters:
on two shared cores the browser and the server take turns, so note the load when you quote numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for harness, which starts the server and the browser

from harness.browser import APP_IDLE, CHARTS, VIEWPORT, ChromiumMissing, launch_chromium  # noqa: E402
from harness.process import cpu_seconds, process_tree  # noqa: E402
from harness.server import ServerError, streamlit_args, streamlit_command, streamlit_server  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
TARGETS = {"redraw_ms": {"p50": 250, "p95": 500}, "figure_json_kb": {"max": 500}}
WARMUPS = (0.5, 0.7)
# After a change is drawn, how long to watch for the page's remaining work (Streamlit hands each new chart to
# plotly a second time, for one) before reading when the page was free again.
FREE_WAIT_MS = 600  # outside the measured sequence, so the measured values stay unseen

LOSS_TITLE = "Loss per iteration"

# Installed once the page has loaded. Everything is timed with performance.now(), one clock for all events.
INSTRUMENT_JS = """
([chartsSelector, lossTitle]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const b = window.__bench = {sawRun: false, runStart: null, runEnd: null, enterAt: null,
                              messages: [], charts: new Map(), snapshot: new Map(), stableFrames: 0};
  const state = () => app.getAttribute('data-test-script-state');
  // Each record carries the value before its change; the value after is the next record's oldValue
  // (or the attribute now), so a fast running→notRunning pair is still seen as two transitions.
  new MutationObserver((records) => {
    const t = performance.now();
    records.forEach((r, i) => {
      const after = i + 1 < records.length ? records[i + 1].oldValue : state();
      if (after === 'running' && r.oldValue !== 'running') {
        b.sawRun = true; b.runStart = t; performance.mark('cedash-run-start');
      } else if (after === 'notRunning' && r.oldValue === 'running') {
        b.runEnd = t; performance.mark('cedash-run-end');
        if (b.runStart !== null) performance.measure('cedash-script-run', 'cedash-run-start', 'cedash-run-end');
      }
    });
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true});
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') b.enterAt = performance.now(); }, true);
  // Tasks of 50 ms or more: while one runs, the page answers no click and no key.
  b.longTasks = [];
  new PerformanceObserver((list) => {
    list.getEntries().forEach((e) => b.longTasks.push([e.startTime, e.startTime + e.duration]));
  }).observe({type: 'longtask'});
  const title = (gd) => String((gd.layout && gd.layout.title && gd.layout.title.text) || '').replace(/<[^>]*>/g, '');
  const plots = () => new Map([...document.querySelectorAll(chartsSelector)].map((gd) => [title(gd), gd]));
  b.arm = () => {
    b.sawRun = false; b.runStart = b.runEnd = b.enterAt = null; b.stableFrames = 0;
    b.snapshot = new Map([...plots()].map(([t, gd]) => [t, gd.data]));
    b.charts = new Map();
    performance.clearMarks(); performance.clearMeasures();
    b.messages = [];
    const frame = () => {
      const now = performance.now();
      let changed = false;
      plots().forEach((gd, t) => {
        // New data that plotly has laid out (it fills _fullData while plotting) counts as redrawn.
        if (!b.charts.has(t) && gd.data !== b.snapshot.get(t) && gd._fullData && gd._fullData.length) {
          b.charts.set(t, now);
          changed = true;
        }
      });
      // A fast run can pass through 'running' within one render of the page, leaving the attribute as it was:
      // the loss chart's new data is then the proof that the run happened.
      if (!b.sawRun && b.charts.has(lossTitle)) b.sawRun = true;
      b.stableFrames = b.sawRun && state() === 'notRunning' && !changed ? b.stableFrames + 1 : 0;
      if (!b.done()) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  // Done once the script ended (notRunning), the loss chart (which a new learning rate always changes) was redrawn,
  // and three frames passed with nothing else changing: a chart redrawn after the script ended still counts.
  b.done = () => b.sawRun && b.charts.has(lossTitle) && b.stableFrames >= 3;
  b.result = () => {
    const changed = [...b.charts.values()];
    const script = performance.getEntriesByName('cedash-script-run');
    const msgs = b.messages.filter((m) => m.t >= b.enterAt);
    const redrawn = Math.max(b.runEnd ?? 0, ...changed);
    const busy = b.longTasks.filter(([start]) => start >= b.enterAt).map(([, end]) => end);
    return {
      redraw_ms: redrawn - b.enterAt,
      free_ms: Math.max(redrawn, ...busy) - b.enterAt,
      script_run_ms: script.length ? script[script.length - 1].duration : null,
      first_message_ms: msgs.length ? msgs[0].t - b.enterAt : null,
      render_tail_ms: msgs.length ? Math.max(b.runEnd ?? 0, ...changed) - msgs[msgs.length - 1].t : null,
      message_times_ms: b.messages.map((m) => m.t - b.enterAt),
      charts_redrawn: [...b.charts.keys()],
      charts_on_page: [...plots().keys()],
    };
  };
}
"""

# Before any page script runs: timestamp every websocket message in the page's clock.
WEBSOCKET_TAP_JS = """
(() => {
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const size = e.data.byteLength !== undefined ? e.data.byteLength : (e.data.size || e.data.length || 0);
        if (window.__bench) window.__bench.messages.push({t: performance.now(), size});
      });
    }
  };
})();
"""


# Main-thread trace events by what they are, for --trace. Durations are thread CPU time (tdur), not wall time:
# on a shared machine the wall time also counts the waits for a core.
TRACE_KINDS = {
    "scripts": ("FunctionCall", "RunMicrotasks", "EvaluateScript", "V8.Execute"),
    "style": ("UpdateLayoutTree", "RecalculateStyles"),
    "layout": ("Layout",),
    "paint, composite": ("Paint", "PrePaint", "Layerize", "Commit", "UpdateLayer"),
    "garbage collection": ("MinorGC", "MajorGC"),
}
CHART_IDENTITY_JS = """
([selector, keep]) => {
  const now = [...document.querySelectorAll(selector)];
  if (keep) { window.__benchCharts = now; return null; }
  const before = window.__benchCharts || [];
  return {charts: now.length, recreated: now.filter((gd) => !before.includes(gd)).length};
}
"""


def main_thread_cpu(trace: bytes, changes: int) -> dict[str, float]:
    """ms of the renderer's main thread CPU per change: every task, and the kinds of work in TRACE_KINDS."""
    events = json.loads(trace)["traceEvents"]
    threads = {}
    for e in events:
        if e.get("name") == "thread_name" and e.get("args", {}).get("name") == "CrRendererMain":
            threads[(e["pid"], e["tid"])] = 0
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in threads and e.get("name") == "FunctionCall":
            threads[key] += 1
    main = max(threads, key=threads.get)  # the page's renderer, not an extension's or a blank one's
    kinds = {"all tasks": ("RunTask",), **TRACE_KINDS}
    totals = dict.fromkeys(kinds, 0.0)
    ends = dict.fromkeys(kinds, -1.0)
    mine = [e for e in events if (e.get("pid"), e.get("tid")) == main and e.get("ph") == "X"]
    for e in sorted(mine, key=lambda e: e["ts"]):
        for kind, names in kinds.items():
            # An event inside another of its kind (a function called from a microtask) is counted once.
            if e["name"] in names and e["ts"] >= ends[kind]:
                totals[kind] += e.get("tdur", 0) / 1000
                ends[kind] = e["ts"] + e.get("dur", 0)
    return {kind: ms / changes for kind, ms in totals.items()}


def serve_with_script_timer(port: int, times_path: Path, script: str = "app.py") -> None:
    """`streamlit run app.py` (or ``script``) in this process, writing each script run's start and end to a file.

    The page's own clock cannot time the script: it shows 'running' late, and while it draws a chart it
    handles no message, so message times in the page include the drawing. The server's clock can.
    """
    from streamlit.runtime.scriptrunner import exec_code, script_runner
    from streamlit.web import cli

    inner = exec_code.exec_func_with_error_handling

    def timed(func, ctx):
        start = time.perf_counter()
        try:
            return inner(func, ctx)
        finally:
            with open(times_path, "a") as out:
                out.write(f"{start:.6f} {time.perf_counter():.6f}\n")

    script_runner.exec_func_with_error_handling = timed
    sys.argv = ["streamlit", *streamlit_args(port, script), *FLOOR_SERVER_FLAGS.get(script, [])]
    cli.main()


def script_runs(times_path: Path) -> list[float]:
    """Every script run so far, in ms, from the server's own clock."""
    if not times_path.exists():
        return []
    lines = times_path.read_text().split("\n")
    return [1000 * (float(end) - float(start)) for start, end in (line.split() for line in lines if line.strip())]


def timed_server_command(times_path: Path, script: str = "app.py"):
    """The server's command line for ``streamlit_server``: this file, serving with the script timer."""
    times_path.unlink(missing_ok=True)
    return lambda port: [sys.executable, str(Path(__file__).resolve()), "--serve", str(port), str(times_path), script]


class Frames:
    """What the server sent over the websocket since the last ``clear``: sizes, and the figure specs by title."""

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self.sizes: list[int] = []
        self.kinds: list[str] = []
        self.specs: dict[str, int] = {}
        self.references = 0

    def received(self, payload) -> None:
        self.sizes.append(len(payload))
        self.kinds.append(self._read(payload))

    def _read(self, payload) -> str:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return "text"
        msg = ForwardMsg.FromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            # The browser already holds this message from an earlier rerun; only its hash travels.
            self.references += 1
            return kind
        if kind != "delta" or msg.delta.WhichOneof("type") != "new_element":
            return kind if kind != "delta" else msg.delta.WhichOneof("type")
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "plotly_chart":
            spec = element.plotly_chart.spec
            title = re.sub(r"<[^>]*>", "", json.loads(spec).get("layout", {}).get("title", {}).get("text", ""))
            if not title:  # the hidden chart that loads plotly.js early (dashboard/chart_code.py), 1 kB, unchanged
                return "plotly_chart: hidden"
            self.specs[title] = len(spec.encode())
            return f"plotly_chart: {title}"
        return kind


def change_learning_rate(page, box, value: float, frames: Frames, times_path: Path | None) -> dict:
    runs_before = len(script_runs(times_path)) if times_path else 0
    page.evaluate("window.__bench.arm()")
    box.fill(f"{value:.6g}")
    frames.clear()
    box.press("Enter")
    page.wait_for_function("window.__bench.done()", timeout=60_000, polling="raf")
    page.wait_for_timeout(FREE_WAIT_MS)  # for work the page still does after the charts appear
    sample = page.evaluate("window.__bench.result()")
    sample["lr"] = float(f"{value:.6g}")
    sample["websocket_bytes"] = sum(frames.sizes)
    sample["websocket_messages"] = len(frames.sizes)
    sample["cached_message_references"] = frames.references
    sample["figure_json_bytes"] = dict(frames.specs)
    sample["figure_json_kb"] = sum(frames.specs.values()) / 1000
    runs = script_runs(times_path)[runs_before:] if times_path else []
    # One change should cause one run; if a callback caused more, they all count.
    sample["server_script_ms"] = sum(runs) if runs else None
    sample["server_script_runs"] = len(runs)
    times = sample.pop("message_times_ms")
    if len(times) == len(frames.kinds):
        # Both sides saw the same messages in the same order: the page's clock, Python's decoding.
        sample["timeline"] = [
            [round(t, 1), size, kind] for t, size, kind in zip(times, frames.sizes, frames.kinds, strict=True)
        ]
    return sample


def wait_for_warm_up(pid: int, timeout: float = 240.0) -> float:
    """Seconds waited until a new server has compiled its kernels and gone quiet.

    For about its first 15 seconds a new server compiles its numba kernels in a child process, then loads
    them: a change timed meanwhile shares the CPU with that (the cold start is bench_demo.py's to measure).
    """
    start = time.monotonic()
    while len(process_tree(pid)) > 1 and time.monotonic() - start < timeout:
        time.sleep(0.5)
    # After its child, the server loads what was compiled: quiet means under 0.1 s of CPU in a second.
    while time.monotonic() - start < timeout:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < 0.1:
            break
    return time.monotonic() - start


def measure(
    url: str,
    changes: int,
    times_path: Path | None,
    trace: bool = False,
    server_pid: int | None = None,
    charts: str = CHARTS,
) -> tuple[list[dict], dict]:
    from playwright.sync_api import sync_playwright

    frames = Frames()
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(WEBSOCKET_TAP_JS)
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived", frames.received))
        started = time.monotonic()
        page.goto(url)
        page.wait_for_selector(APP_IDLE, timeout=90_000)
        page.wait_for_function(
            "([selector, title]) => [...document.querySelectorAll(selector)].some((gd) => "
            "String(gd.layout && gd.layout.title && gd.layout.title.text).includes(title))",
            arg=[charts, LOSS_TITLE],
            timeout=90_000,
        )
        first_load = {
            "seconds": time.monotonic() - started,
            "warm_up_wait_s": wait_for_warm_up(server_pid) if server_pid else 0.0,
            "websocket_bytes": sum(frames.sizes),
            "figure_json_bytes": dict(frames.specs),
        }
        page.evaluate(INSTRUMENT_JS, [charts, LOSS_TITLE])
        box = page.get_by_label("Learning rate", exact=True)
        for value in WARMUPS:
            change_learning_rate(page, box, value, frames, times_path)
        samples = []
        if trace:
            browser.start_tracing(page=page, categories=["devtools.timeline", "disabled-by-default-devtools.timeline"])
        for i in range(1, changes + 1):
            if trace:
                page.evaluate(CHART_IDENTITY_JS, [charts, True])
            sample = change_learning_rate(page, box, 0.1 * 1.05**i, frames, times_path)
            if trace:
                sample["chart_elements"] = page.evaluate(CHART_IDENTITY_JS, [charts, False])
            samples.append(sample)
            print(
                f"  {i:2d}  lr={sample['lr']:<9g} redraw {sample['redraw_ms']:6.0f} ms   "
                f"script {sample['script_run_ms'] or float('nan'):6.0f} ms in the page"
                + (f", {sample['server_script_ms']:6.0f} ms on the server" if sample["server_script_ms"] else "")
                + "   "
                f"{sample['websocket_bytes'] / 1000:6.1f} kB over websocket, "
                f"{len(sample['charts_redrawn'])}/{len(sample['charts_on_page'])} charts redrawn",
                flush=True,
            )
        if trace:
            first_load["main_thread_ms"] = main_thread_cpu(browser.stop_tracing(), changes)
        exceptions = page.get_by_test_id("stException").count()
        browser.close()
    if exceptions:
        sys.exit("the page showed an exception during the benchmark")
    return samples, first_load


def stats(values: list[float]) -> dict:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    if not arr.size:
        return {"p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)), "max": float(arr.max())}


def verdict(key: str, summary: dict) -> str:
    target = TARGETS.get(key)
    if not target:
        return ""
    parts = []
    for stat, limit in target.items():
        ok = summary[stat] <= limit
        parts.append(f"{stat} ≤ {limit:g}: {'met' if ok else f'MISSED by {summary[stat] - limit:.0f}'}")
    return "; ".join(parts)


def print_timeline(sample: dict) -> None:
    """Messages of one change, in the page's clock from the Enter key; runs of small widget deltas folded."""
    print(f"\ntimeline of the median change (lr={sample['lr']:g}, redraw {sample['redraw_ms']:.0f} ms):")
    if "timeline" not in sample:
        print("  (the page and Python saw different message counts; no timeline)")
        return
    small = []
    for t, size, kind in sample["timeline"]:
        if size < 1000 and kind not in ("new_session", "script_finished"):
            small.append(t)
            continue
        if small:
            print(f"  {small[0]:7.0f}–{small[-1]:.0f} ms  {len(small):3d} small messages")
            small = []
        print(f"  {t:7.0f} ms  {size / 1000:7.1f} kB  {kind}")
    if small:
        print(f"  {small[0]:7.0f}–{small[-1]:.0f} ms  {len(small):3d} small messages")


# The pages --floor times, in turn: (label, script, extra server environment, chart selector).
FLOOR_APP = "benchmarks/floor_app.py"
FLOOR_CHARTS = '[data-testid="stBidiComponentRegular"] .js-plotly-plot'
PAGES = (
    ("cedash's page", "app.py", {}, CHARTS),
    ("rate box and two charts (st.plotly_chart)", FLOOR_APP, {}, CHARTS),
    (
        "rate box and two charts, updated in place",
        "benchmarks/floor_app.py",
        {"CEDASH_FLOOR": "in_place"},
        FLOOR_CHARTS,
    ),
)
# The in-place page loads plotly.js from the app's static folder.
FLOOR_SERVER_FLAGS = {FLOOR_APP: ["--server.enableStaticServing", "true"]}


def time_page(page: tuple, changes: int, plain: bool, trace: bool = False) -> tuple[list[dict], dict]:
    """Start a server for ``page`` (an entry of PAGES) and time ``changes`` learning-rate changes on it."""
    label, script, env, charts = page
    times_path = None if plain else RESULTS / "script-times.txt"
    if times_path is None:
        flags = FLOOR_SERVER_FLAGS.get(script, [])
        command = lambda port: [*streamlit_command(port)[:3], *streamlit_args(port, script), *flags]  # noqa: E731
    else:
        command = timed_server_command(times_path, script)
    with streamlit_server(RESULTS / "streamlit-server.log", env=env, command=command) as server:
        print(f"Timing {changes} learning-rate changes on {label} at {server.url} ...", flush=True)
        return measure(server.url, changes, times_path, trace, server.pid, charts)


def summary_rows(samples: list[dict]) -> list[tuple[str, str, list]]:
    rows = [
        ("redraw_ms", "Enter → every chart redrawn (ms)", [s["redraw_ms"] for s in samples]),
        ("free_ms", "Enter → page free again (ms)", [s["free_ms"] for s in samples]),
        ("script_run_ms", "script run, 'running'→'notRunning' (ms)", [s["script_run_ms"] for s in samples]),
        ("server_script_ms", "script run, server clock (ms)", [s["server_script_ms"] for s in samples]),
        ("first_message_ms", "Enter → first message (ms)", [s["first_message_ms"] for s in samples]),
        ("render_tail_ms", "last message → charts drawn (ms)", [s["render_tail_ms"] for s in samples]),
        ("websocket_kb", "websocket payload per rerun (kB)", [s["websocket_bytes"] / 1000 for s in samples]),
        ("figure_json_kb", "figure JSON sent, all charts (kB)", [s["figure_json_kb"] for s in samples]),
    ]
    return [row for row in rows if any(v is not None for v in row[2])]


def compare_with_floor(changes: int, plain: bool) -> int:
    """cedash's page, then the least page that answers the same change, two ways: the redraw side by side."""
    results = []
    try:
        for page in PAGES:
            samples, _ = time_page(page, changes, plain)
            results.append((page[0], {key: stats(values) for key, _, values in summary_rows(samples)}))
    except (ServerError, ChromiumMissing) as exc:
        sys.exit(str(exc))
    base = results[0][1]["redraw_ms"]["p50"]
    print()
    print(f"{'Enter → every chart redrawn':44} {'p50 ms':>7} {'p95 ms':>7} {'server p50':>11} {'p50 ratio':>10}")
    for label, summary in results:
        redraw = summary["redraw_ms"]
        server = summary.get("server_script_ms", {}).get("p50", float("nan"))
        print(f"{label:44} {redraw['p50']:7.0f} {redraw['p95']:7.0f} {server:11.0f} {redraw['p50'] / base:10.2f}")
    floor = min(summary["redraw_ms"]["p50"] for _, summary in results[1:])
    limit = TARGETS["redraw_ms"]["p50"]
    print(
        f"the least page's p50 is {floor:.0f} ms: the target p50 ≤ {limit} ms is "
        + ("within" if floor <= limit else "below")
        + " what Streamlit and plotly.js reach here for these two charts alone"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=20, help="learning-rate changes to time (default 20)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument(
        "--timeline", action="store_true", help="print when each message of the median change arrived, and what it was"
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="record Chromium's trace: the page's main-thread CPU per change, and charts re-created or updated",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="run plain `python -m streamlit run`, without the server-side script timer",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="time cedash's page and, in turn, a page holding only the rate box and the two charts "
        "(benchmarks/floor_app.py), drawn by st.plotly_chart and updated in place; print the three side by side",
    )
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "TIMES", "SCRIPT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_with_script_timer(int(args.serve[0]), Path(args.serve[1]), args.serve[2])
        return 0
    if args.floor:
        return compare_with_floor(args.changes, args.plain)

    try:
        samples, first_load = time_page(PAGES[0], args.changes, args.plain, args.trace)
    except (ServerError, ChromiumMissing) as exc:
        sys.exit(str(exc))

    rows = summary_rows(samples)
    summary = {key: stats(values) for key, _, values in rows}
    print()
    print(f"{'':42} {'p50':>8} {'p95':>8} {'max':>8}   target")
    for key, label, _ in rows:
        s = summary[key]
        print(f"{label:42} {s['p50']:8.0f} {s['p95']:8.0f} {s['max']:8.0f}   {verdict(key, s)}")
    titles = sorted({t for s in samples for t in s["figure_json_bytes"]})
    per_chart = {t: np.median([s["figure_json_bytes"].get(t, 0) for s in samples]) / 1000 for t in titles}
    print("figure JSON per chart, median kB: " + ", ".join(f"{t} {kb:.0f}" for t, kb in per_chart.items()))
    if args.timeline:
        print_timeline(sorted(samples, key=lambda s: s["redraw_ms"])[len(samples) // 2])
    if args.trace:
        cpu = first_load["main_thread_ms"]
        named = sum(ms for kind, ms in cpu.items() if kind != "all tasks")
        # The rest is mostly script run from promise callbacks and React's scheduler, which this trace leaves unnamed.
        print(
            "page main thread, CPU ms per change: "
            + ", ".join(f"{kind} {ms:.0f}" for kind, ms in cpu.items())
            + f", unnamed {cpu['all tasks'] - named:.0f}"
        )
        made = sum(s["chart_elements"]["recreated"] for s in samples)
        shown = sum(s["chart_elements"]["charts"] for s in samples)
        print(f"chart elements re-created (new plot element, drawn from nothing): {made} of {shown}")
    print(
        f"first load: {first_load['seconds']:.1f} s, {first_load['websocket_bytes'] / 1000:.0f} kB over websocket; "
        f"then {first_load['warm_up_wait_s']:.1f} s until the server had compiled its kernels and was quiet"
    )

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "changes": args.changes,
            "viewport": VIEWPORT,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "targets": TARGETS,
            "summary": summary,
            "first_load": first_load,
            "samples": samples,
        }
        args.json.write_text(json.dumps(record, indent=2))
        print(f"raw numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
