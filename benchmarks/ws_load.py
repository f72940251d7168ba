"""A class without browsers: N simulated users against real `streamlit run app.py` servers (issue 15).

Each user is a ``harness.ws_client.Page``: Streamlit's own websocket protocol, so the server does exactly the
work a browser's page asks of it, while this process spends a few milliseconds per rerun instead of a
browser's seconds of drawing. That is what lets one 2-core machine find the server's own capacity.

    python benchmarks/ws_load.py                      # 50 users for 120 s against one replica
    python benchmarks/ws_load.py --find-capacity      # 10, 25, 50, 75, 100, 125, 150 users, 60 s each
    python benchmarks/ws_load.py --find-capacity --replicas 2   # the same behind HAProxy (deploy/haproxy.cfg)
    python benchmarks/ws_load.py --sessions 100 --duration 600 --memory-every 30   # memory over 10 minutes
    python benchmarks/ws_load.py --url http://host:8500 --sessions 50   # against a running deployment

Each user opens the page (arrivals spread over the first think time), then changes something every 3-5 s
(the think time: reading the charts) and waits for the run to finish, with these weights:

=========  ======  ========================================================================================
lr         35 %    a new learning rate (log-uniform 0.005-3, so most miss the run cache)
iters      15 %    a new number of iterations (100-2,000)
dataset    10 %    another built-in data set (the built-in source first, if a CSV file was in use)
tab        15 %    another tab (Training most often; each tab draws its own view)
pin         5 %    the Compare tab and "Pin this run"
sweep       5 %    the Sweep tab and "Run the sweep"
upload      5 %    "My CSV file", then a small CSV (40-400 rows, its own column names) through the real
                   upload endpoint: an upload URL asked for over the websocket, the file PUT with the XSRF token
source     10 %    back and forth between the built-in set and the uploaded file (if one was uploaded)
=========  ======  ========================================================================================

Per step it reports: sessions, reruns/s, the time from a change to its ``script_finished`` as the page gets it
(p50/p95/p99; opening the page counted too) and as the server notes it (from the request's arrival, by the
load test's probe, ``benchmarks/rerun_probe``), errors (an exception element, the app's "Something went
wrong" alert, a run that does not finish within 60 s, a dropped connection), and the servers' RSS and CPU
(all replicas and their children, from /proc). Capacity is the largest count with 0 errors and a page p95 of
at most 1 s. The machine may be shared: the load average is printed with every step.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for harness: the servers, the proxy and the websocket client

from harness.process import cpu_seconds, process_tree, rss_mb  # noqa: E402
from harness.proxy import ProxyMissing, replicas_behind_proxy  # noqa: E402
from harness.server import ServerError, python_path_with, streamlit_server  # noqa: E402
from harness.simulated_class import MIXES, Tally, drive, warm_up  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
PROBE_DIR = REPO / "benchmarks" / "rerun_probe"
PROFILE_DIR = REPO / "benchmarks" / "profile_probe"
P95_TARGET_S = 1.0


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


# --- the servers ---------------------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """RSS and CPU time of the servers (every replica and its children) and of this process, every second."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.samples: list[tuple[float, float, float, float]] = []  # (time, RSS MB, server CPU s, own CPU s)
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            own = sum(os.times()[:2])
            rss = sum(rss_mb(p) for p in self.pids if Path(f"/proc/{p}").exists())
            cpu = sum(cpu_seconds(p) for p in self.pids if Path(f"/proc/{p}").exists())
            self.samples.append((time.monotonic(), rss, cpu, own))
            self._halt.wait(1.0)

    def stop(self):
        self._halt.set()
        self.join(timeout=5)


def rss_slope_mb_per_min(samples) -> float:
    if len(samples) < 3:
        return float("nan")
    ts = [(s[0] - samples[0][0]) / 60 for s in samples]
    rs = [s[1] for s in samples]
    mt, mr = statistics.fmean(ts), statistics.fmean(rs)
    var = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (r - mr) for t, r in zip(ts, rs, strict=True)) / var if var else float("nan")


def probe_seconds(files: list[Path], start: float, end: float) -> list[float]:
    """The server's own time per rerun, from the probes' files (see benchmarks/rerun_probe)."""
    out = []
    for path in files:
        for line in path.read_text().splitlines() if path.exists() else []:
            _, asked, done = line.split()
            if start <= float(asked) <= end:
                out.append(float(done) - float(asked))
    return out


@contextlib.contextmanager
def servers(replicas: int, folder: Path, step: int, profile: Path | None = None):
    """Fresh servers for one step: one replica on its own, or ``replicas`` behind HAProxy.
    Yields the URL the users open, the servers' pids and each replica's probe file."""
    probes = [folder / f"reruns-{i}.txt" for i in range(1, replicas + 1)]
    if replicas == 1:
        env = {"CEDASH_LOADTEST_PROBE": str(probes[0]), "PYTHONPATH": python_path_with(PROBE_DIR)}
        if profile is not None:
            # Both probes are modules named sitecustomize: the profile's folder comes first and imports the other.
            env |= {"CEDASH_PROFILE_OUT": str(profile), "PYTHONPATH": python_path_with(PROFILE_DIR, PROBE_DIR)}
        with streamlit_server(RESULTS / f"ws-load-server-{step}.log", env=env, timeout=90.0) as server:
            yield server.url, [server.pid], probes
        return
    log_dir = RESULTS / f"ws-load-{replicas}-replicas-{step}"
    log_dir.mkdir(parents=True, exist_ok=True)
    with replicas_behind_proxy(
        replicas,
        log_dir,
        env={"PYTHONPATH": python_path_with(PROBE_DIR)},
        env_for=lambda i: {"CEDASH_LOADTEST_PROBE": str(probes[i - 1])},
    ) as proxy:
        yield proxy.url, [s.pid for s in proxy.replicas], probes


def warm_up_finished(pids: list[int], timeout: float = 90.0) -> None:
    """Wait for the servers' warm-up children (numba compiling) to exit: a child's CPU time leaves the sum
    when it ends, which would make the step's CPU figure wrong."""
    deadline = time.monotonic() + timeout
    while any(len(process_tree(p)) > 1 for p in pids) and time.monotonic() < deadline:
        time.sleep(0.5)


def summarise(sessions: int, tally: Tally, sampler: Sampler, start: float, end: float, probes) -> dict:
    runs = [r for r in tally.runs if start <= r[0] <= end]
    seconds = [r[1] for r in runs]
    window = [s for s in sampler.samples if start <= s[0] <= end + 1] or sampler.samples
    elapsed = max(1e-9, window[-1][0] - window[0][0]) if len(window) > 1 else float("nan")
    served: dict[str, int] = {}
    for r in runs:
        served[r[3]] = served.get(r[3], 0) + 1
    server_side = probe_seconds(probes, start, end)
    by_action = {}
    for action in sorted({r[2] for r in runs}):
        values = [r[1] for r in runs if r[2] == action]
        by_action[action] = {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95)}
    return {
        "sessions": sessions,
        "reruns": len(runs),
        "reruns_per_s": len(runs) / max(1e-9, end - start),
        "page_s": {q: percentile(seconds, q) for q in (50, 95, 99)},
        "server_s": {q: percentile(server_side, q) for q in (50, 95, 99)},
        "by_action": by_action,
        "errors": sum(tally.errors.values()),
        "errors_by_kind": tally.errors,
        "error_examples": tally.examples,
        "rss_mb": {"start": window[0][1], "end": window[-1][1], "max": max(s[1] for s in window)},
        "rss_slope_mb_per_min": rss_slope_mb_per_min(window),
        "rss_series": [(round(s[0] - window[0][0]), round(s[1])) for s in window],
        "server_cpu_cores": (window[-1][2] - window[0][2]) / elapsed,
        # Load-independent: what one rerun costs the servers, whatever else the machine is running.
        "server_cpu_s_per_rerun": (window[-1][2] - window[0][2]) / max(1, len(server_side) or len(runs)),
        "client_cpu_cores": (window[-1][3] - window[0][3]) / elapsed,
        "served_by": served,
        "load_after": load_average(),
    }


def run_step(args, sessions: int, step: int) -> dict:
    think = tuple(args.think)
    with tempfile.TemporaryDirectory() as folder:
        if args.url:
            context = contextlib.nullcontext((args.url, [], []))
        else:
            context = servers(args.replicas, Path(folder), step, args.profile)
        with context as (url, pids, probes):
            # A class's server is started before the lecture: the first page's imports and the compiled
            # kernels' warm-up are not part of the step.
            asyncio.run(warm_up(url, args.replicas))
            warm_up_finished(pids)
            sampler = Sampler(pids)
            sampler.start()
            start = time.monotonic()
            try:
                tally = asyncio.run(drive(url, sessions, args.duration, think, args.seed, args.mix))
            finally:
                sampler.stop()
            end = time.monotonic()
            return summarise(sessions, tally, sampler, start, end, probes)


# --- reports -------------------------------------------------------------------------------------------------

HEADER = (
    f"{'sessions':>8} {'reruns/s':>8} {'page p50':>8} {'p95':>6} {'p99':>6} {'server p50':>10} {'p95':>6} "
    f"{'p99':>6} {'errors':>6} {'RSS MB':>11} {'MB/min':>7} {'server CPU':>10} {'CPU/rerun':>9} {'client CPU':>10} "
    f"{'load after':>15}"
)


def row(s: dict) -> str:
    p, w, rss = s["page_s"], s["server_s"], s["rss_mb"]
    return (
        f"{s['sessions']:>8} {s['reruns_per_s']:>8.1f} {p[50]:>8.2f} {p[95]:>6.2f} {p[99]:>6.2f} {w[50]:>10.2f} "
        f"{w[95]:>6.2f} {w[99]:>6.2f} {s['errors']:>6} {rss['start']:>5.0f}-{rss['end']:<5.0f} "
        f"{s['rss_slope_mb_per_min']:>7.1f} {s['server_cpu_cores']:>10.2f} {s['server_cpu_s_per_rerun']:>9.3f} "
        f"{s['client_cpu_cores']:>10.2f} "
        f"{s['load_after']:>15}"
    )


def print_step(s: dict, memory_every: float) -> None:
    print(HEADER)
    print(row(s))
    print("  per action (n, p50, p95 s): " + "; ".join(
        f"{a} {v['n']} {v['p50']:.2f} {v['p95']:.2f}" for a, v in s["by_action"].items()
    ))  # fmt: skip
    if len(s["served_by"]) > 1 or s["served_by"].get("-") is None:
        print("  reruns per replica: " + ", ".join(f"{k} {v}" for k, v in sorted(s["served_by"].items())))
    if s["errors"]:
        print(f"  errors: {s['errors_by_kind']}")
        for example in s["error_examples"][:5]:
            print(f"    {example}")
    if memory_every:
        series = s["rss_series"]
        marks, next_mark = [], 0.0
        for t, mb in series:
            if t >= next_mark:
                marks.append(f"{t}s {mb}")
                next_mark += memory_every
        print("  RSS MB over time: " + ", ".join(marks))


def fits(s: dict) -> bool:
    return s["errors"] == 0 and s["page_s"][95] <= P95_TARGET_S


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of activity per step (default 120)")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--find-capacity", action="store_true", help="step the number of users; see --steps")
    parser.add_argument("--steps", default="10,25,50,75,100,125,150", help="user counts for --find-capacity")
    parser.add_argument("--replicas", type=int, default=1, help="replicas behind HAProxy (1: one server, no proxy)")
    parser.add_argument("--url", help="drive a running deployment (a server or a proxy) instead of starting one")
    parser.add_argument("--memory-every", type=float, default=0.0, help="print the RSS every this many seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mix", choices=list(MIXES), default="class", help="the actions' weights: this file's, or load_test.py's"
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--profile", type=Path, help="one server: add up cProfile of its script runs in this file")
    args = parser.parse_args(argv)
    if args.find_capacity and args.duration == 120.0:
        args.duration = 60.0
    where = args.url or (f"{args.replicas} replicas behind HAProxy" if args.replicas > 1 else "one server")
    print(f"cedash browserless load on {os.cpu_count()} cores, {where}; load average before: {load_average()}")
    counts = [int(n) for n in args.steps.split(",")] if args.find_capacity else [args.sessions]
    steps = []
    for n in counts:
        result = run_step(args, n, len(steps))
        print_step(result, args.memory_every)
        steps.append(result)
        if args.find_capacity and result["errors"] and not fits(result) and n != counts[-1]:
            print("  (stopping: this step failed with errors, a larger one will too)")
            break
    if args.find_capacity:
        think = args.think
        print(f"\nCapacity, {where} ({args.duration:.0f} s per step, think time {think[0]:g}-{think[1]:g} s):")
        print(HEADER)
        for s in steps:
            print(row(s))
        best = max((s["sessions"] for s in steps if fits(s)), default=0)
        print(f"largest number of sessions with 0 errors and page p95 <= {P95_TARGET_S:g} s: {best} (goal: 100)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": vars(args), "steps": steps}, indent=2, default=str))
        print(f"wrote {args.json}")
    return 0 if all(s["errors"] == 0 for s in steps) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ServerError, ProxyMissing) as exc:  # the server's own words, not a traceback of this script
        sys.exit(str(exc))
