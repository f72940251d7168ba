"""The live demo's numbers in a real headless Chromium: cold start, Play, and the learning-rate latency.

Run ``python benchmarks/bench_demo.py`` (a few minutes; ``--plays N`` and ``--changes N`` to change the
repetitions, ``--skip-latency`` to leave out part c). It prints one table with the issue's targets beside
the numbers, and keeps the raw numbers in ``benchmarks/results/bench_demo.json``.

(a) Cold start
    From launching ``streamlit run app.py`` to the first chart drawn in Chromium (a plotly SVG in the page),
    with a fresh, empty numba cache (``NUMBA_CACHE_DIR`` set to a new temporary folder in the server's
    environment), then again with a cache the warm-up has filled. The browser is started before the
    clock. Python's own bytecode caches are warm in both runs: this measures what numba adds. Whatever
    a server started (its compiling child) is stopped with it, so that it slows down nothing timed later.
    ``--cold-runs N`` repeats the cold start (each with a cache of its own; the median is reported), and
    each run is split in phases: the server answering its health check, the page loaded, the first
    element from the script (the app's imports are done), the plotly chart code fetched (the browser
    loads it once a chart arrives), and the chart painted. ``--cold-only`` stops there.
(b) Play
    On the default page with Play on (``?play=true``): the Play button of the animated figure is clicked
    and, in the page, every ``plotly_animatingframe`` event is timed and a ``requestAnimationFrame`` loop
    records each slider step that was actually on screen at a paint, and each paint at which the loss
    line's SVG path had changed (the curve grows every frame: a frame really drawn, not only announced).
    Frames per second are the distinct steps painted over the time from the first to the last; the total
    is from the click to plotly's ``plotly_animated`` event.
(c) Learning-rate change
    ``benchmarks/bench_app.py`` run as a subprocess; its p50 and p95 of "Enter → every chart redrawn".

The machine matters: on two shared cores the browser and the server take turns, so note the load when you
quote numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for harness, which starts the server and the browser

from harness.browser import APP_IDLE, CHARTS, VIEWPORT, ChromiumMissing, launch_chromium  # noqa: E402
from harness.server import ServerError, streamlit_server  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
LOAD_TIMEOUT_MS = 180_000
PLAY_CHART = ".st-key-play_chart .js-plotly-plot"
TARGETS = {
    "cold_start_s": "<= 10 s",
    "play_fps": ">= 10",
    "play_total_s": "5-8 s",
    "lr_p50_ms": "<= 250 ms",
    "lr_p95_ms": "<= 500 ms",
}

# A chart drawn where it can be seen: the hidden one that loads plotly's code early (dashboard/chart_code.py) is
# no first chart; CHARTS leaves it out.
FIRST_CHART_JS = """
(charts) => [...document.querySelectorAll(charts + ' .main-svg')].some((svg) => svg.getBoundingClientRect().width > 0)
"""

# Installed before the page loads: when the first element from the script shows up, in page time.
WATCH_FIRST_ELEMENT_JS = """
const FIRST_ELEMENT = '[data-testid="stSidebar"] [data-testid="stHeading"], [data-testid="stCaptionContainer"]';
new MutationObserver((_, observer) => {
  if (document.querySelector(FIRST_ELEMENT)) {
    window.__bench_first_element = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true});
"""

# After the chart is painted: the page clock now, the script's first element and the plotly chunk's arrival.
PAGE_MARKS_JS = """
() => {
  const chunk = performance.getEntriesByType('resource').find((r) => /PlotlyChart/.test(r.name));
  const nav = performance.getEntriesByType('navigation')[0];
  return {now: performance.now(), loaded: nav ? nav.loadEventEnd : null,
          first_element: window.__bench_first_element ?? null, plotly_code: chunk ? chunk.responseEnd : null};
}
"""

# Installed on the animated figure before Play is clicked; window.__bench_play.done turns true at the end.
WATCH_PLAY_JS = """
(selector) => {
  const gd = document.querySelector(selector);
  const b = window.__bench_play = {click: null, events: [], painted: [], end: null, done: false};
  const button = [...gd.querySelectorAll('.updatemenu-button')].find((g) => g.textContent.includes('Play'));
  button.addEventListener('mousedown', () => { b.click = performance.now(); }, true);
  gd.on('plotly_animatingframe', (e) => b.events.push({name: e.name, t: performance.now()}));
  gd.on('plotly_animated', () => { b.end = performance.now(); b.done = true; });
  // What is on screen, not what plotly was told: the loss line's SVG path in the second subplot changes
  // with every frame (the curve grows), so a new path at a paint is a frame really drawn.
  const lossPath = () => {
    const line = gd.querySelector('.subplot.x2y2 .scatterlayer .trace path.js-line');
    return line ? line.getAttribute('d') : '';
  };
  b.drawn = [];
  let last = gd._fullLayout.sliders[0].active;
  let lastPath = lossPath();
  const paint = (t) => {
    const active = gd._fullLayout.sliders[0].active;
    if (b.click !== null && active !== last) { b.painted.push({active, t}); last = active; }
    const path = lossPath();
    if (b.click !== null && path !== lastPath) { b.drawn.push(t); lastPath = path; }
    if (!b.done) requestAnimationFrame(paint);
  };
  requestAnimationFrame(paint);
}
"""


def first_chart(browser, cache_dir: str, log_name: str) -> dict:
    """Seconds from launching a server that uses ``cache_dir`` for numba to the first chart in the page, by phase."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script(WATCH_FIRST_ELEMENT_JS)
    try:
        start = time.monotonic()
        with streamlit_server(RESULTS / log_name, env={"NUMBA_CACHE_DIR": cache_dir}, timeout=180) as server:
            healthy = time.monotonic() - start
            page.goto(server.url + "/", timeout=LOAD_TIMEOUT_MS)
            page.wait_for_function(FIRST_CHART_JS, arg=CHARTS, timeout=LOAD_TIMEOUT_MS, polling=50)
            chart = time.monotonic() - start
            marks = page.evaluate(PAGE_MARKS_JS)
            left = children(server.pid)
    finally:
        context.close()
    stop(left)  # a compiling child outliving its server would slow down whatever is timed next
    # Page times are milliseconds on the page's clock, whose "now" was read right after the chart appeared.
    at = {k: None if v is None else round(chart - (marks["now"] - v) / 1000, 2) for k, v in marks.items() if k != "now"}
    return {"first_chart_s": chart, "healthy_s": healthy, **{f"{k}_s": v for k, v in at.items()}}


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are running now (Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The fields after the command's closing parenthesis: state, then the parent's id.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def stop(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def cold_start(browser, runs: int) -> dict:
    load = os.getloadavg()
    cold = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="cedash-numba-") as cache_dir:
            cold.append(first_chart(browser, cache_dir, "demo-cold-server.log"))
    with tempfile.TemporaryDirectory(prefix="cedash-numba-") as cache_dir:
        # Filled to the end, as a server's warm-up leaves it: the module the warm-up runs in its child.
        env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-m", "cedash.runs.warm_up"], check=True, cwd=REPO, env=env)
        warm = first_chart(browser, cache_dir, "demo-warm-server.log")
    cold_s = statistics.median(r["first_chart_s"] for r in cold)
    return {
        "cold_s": cold_s,
        "warm_s": warm["first_chart_s"],
        "ratio": cold_s / warm["first_chart_s"],
        "cold_runs": cold,
        "warm_run": warm,
        "load_before": load,
        "load_after": os.getloadavg(),
    }


def print_cold_runs(c: dict) -> None:
    print(f"load average {c['load_before'][0]:.2f} before, {c['load_after'][0]:.2f} after the cold starts")
    columns = {"healthy_s": "healthy", "loaded_s": "loaded", "first_element_s": "1st element",
               "plotly_code_s": "plotly code", "first_chart_s": "1st chart"}  # fmt: skip
    print(f"{'seconds from server start to:':30}" + "".join(f"{name:>13}" for name in columns.values()))
    for i, r in enumerate([*c["cold_runs"], c["warm_run"]]):
        label = "numba cache filled" if i == len(c["cold_runs"]) else f"cold start {i + 1}"
        print(f"{label:30}" + "".join("{:>13}".format("-" if r[k] is None else f"{r[k]:.2f}") for k in columns))


def one_play(page) -> dict:
    page.locator(PLAY_CHART).wait_for(timeout=LOAD_TIMEOUT_MS)
    page.evaluate(WATCH_PLAY_JS, PLAY_CHART)
    page.locator(f"{PLAY_CHART} .updatemenu-button").filter(has_text="Play").click()
    page.wait_for_function("() => window.__bench_play.done", timeout=60_000, polling=100)
    b = page.evaluate("() => window.__bench_play")
    painted = b["painted"]
    span = (painted[-1]["t"] - painted[0]["t"]) / 1000 if len(painted) > 1 else float("nan")
    drawn = b["drawn"]
    drawn_span = (drawn[-1] - drawn[0]) / 1000 if len(drawn) > 1 else float("nan")
    return {
        "frames": len(b["events"]),
        "painted": len({p["active"] for p in painted}),
        "fps": (len(painted) - 1) / span if span > 0 else float("nan"),
        "drawn": len(drawn),
        "drawn_fps": (len(drawn) - 1) / drawn_span if drawn_span > 0 else float("nan"),
        "total_s": (b["end"] - b["click"]) / 1000,
    }


def play(browser, url: str, plays: int) -> dict:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(url + "/?play=true")
        page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
        runs = [one_play(page) for _ in range(plays)]
    finally:
        context.close()
    return {
        "runs": runs,
        "fps": statistics.median(r["fps"] for r in runs),
        "total_s": statistics.median(r["total_s"] for r in runs),
        "frames": runs[0]["frames"],
        "painted": statistics.median(r["painted"] for r in runs),
        "drawn": statistics.median(r["drawn"] for r in runs),
        "drawn_fps": statistics.median(r["drawn_fps"] for r in runs),
    }


def learning_rate_latency(changes: int) -> dict:
    out = RESULTS / "bench_demo_app.json"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_app.py"), "--changes", str(changes), "--json", str(out)],
        check=True,
        cwd=REPO,
    )
    redraw = json.loads(out.read_text())["summary"]["redraw_ms"]
    return {"p50_ms": redraw["p50"], "p95_ms": redraw["p95"]}


def print_table(record: dict) -> None:
    rows = []
    if "cold_start" in record:
        c = record["cold_start"]
        runs = f" (median of {len(c['cold_runs'])})" if len(c["cold_runs"]) > 1 else ""
        rows += [
            (f"cold start to first chart, empty numba cache{runs}", f"{c['cold_s']:.1f} s", TARGETS["cold_start_s"]),
            ("same, numba cache filled", f"{c['warm_s']:.1f} s", ""),
            ("cold / warm", f"{c['ratio']:.2f}", ""),
        ]
    if "play" in record:
        rows += play_rows(record["play"])
    if "latency" in record:
        lat = record["latency"]
        rows += [
            ("learning-rate change, redraw p50", f"{lat['p50_ms']:.0f} ms", TARGETS["lr_p50_ms"]),
            ("learning-rate change, redraw p95", f"{lat['p95_ms']:.0f} ms", TARGETS["lr_p95_ms"]),
        ]
    print()
    print(f"{'':58} {'measured':>12}   target")
    for label, value, target in rows:
        print(f"{label:58} {value:>12}   {target}")


def play_rows(p: dict) -> list:
    return [
        ("Play: frames per second (painted)", f"{p['fps']:.1f}", TARGETS["play_fps"]),
        ("Play: click to last frame", f"{p['total_s']:.1f} s", TARGETS["play_total_s"]),
        ("Play: frames in the figure / painted", f"{p['frames']} / {p['painted']:.0f}", ""),
        ("Play: loss line redrawn on screen (per second)", f"{p['drawn']:.0f} ({p['drawn_fps']:.1f}/s)", ""),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plays", type=int, default=3, help="full Plays to time (default 3)")
    parser.add_argument("--changes", type=int, default=20, help="learning-rate changes for bench_app (default 20)")
    parser.add_argument("--skip-cold", action="store_true", help="leave out the cold start (a)")
    parser.add_argument("--skip-latency", action="store_true", help="leave out the learning-rate latency (c)")
    parser.add_argument("--cold-runs", type=int, default=1, help="cold starts to time, median reported (default 1)")
    parser.add_argument("--cold-only", action="store_true", help="only the cold start (a)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(parents=True, exist_ok=True)
    record: dict = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            if not args.skip_cold:
                print(f"(a) {args.cold_runs} cold start(s), then warm ...", flush=True)
                record["cold_start"] = cold_start(browser, args.cold_runs)
                print_cold_runs(record["cold_start"])
            if not args.cold_only:
                print(f"(b) {args.plays} full Plays ...", flush=True)
                with streamlit_server(RESULTS / "demo-play-server.log") as server:
                    record["play"] = play(browser, server.url, args.plays)
            browser.close()
    except (ServerError, ChromiumMissing) as exc:
        sys.exit(str(exc))
    if not (args.skip_latency or args.cold_only):
        print("(c) learning-rate changes, through bench_app.py ...", flush=True)
        record["latency"] = learning_rate_latency(args.changes)
    print_table(record)
    (RESULTS / "bench_demo.json").write_text(json.dumps({"targets": TARGETS, **record}, indent=2))
    print(f"raw numbers written to {RESULTS / 'bench_demo.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
