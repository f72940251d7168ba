"""Per-iteration cost of cedash's full-batch gradient descent against the tutorial's loop.

Run ``python benchmarks/bench_train.py`` (about 5 minutes) or ``--quick`` (under a
minute, n up to 1e5); ``--json PATH`` also writes the results.

Both sides train a binary logistic model in float64 on the same C-ordered
``X ~ N(0, 1)`` with labels from a noisy linear rule, learning rate 0.1, and
record the loss at every iteration:

article
    The tutorial's loop kept verbatim: sigmoid via ``1/(1+exp(-z))``, clipped
    cross-entropy appended to a list, gradient ``X.T @ (p - y) / n``. It has no
    intercept.
cedash
    ``GradientDescentClassifier(max_iter=k, learning_rate=0.1, fit_intercept=True).fit(X, y)``.
    It also fits an intercept, so it does slightly more work per iteration.

One-off costs (input validation, copies, buffer allocation) are removed by
timing each side at two iteration counts and reporting
``(T(k2) - T(k1)) / (k2 - k1)``. Each repetition runs the two sides alternately
(and swaps who goes first), and the table shows medians over repetitions.

The memory floor is the time to stream ``X`` twice (``X @ w`` and ``X.T @ r``
each read all of it once) at the read bandwidth of ``np.add.reduce`` over an
array far larger than the caches, measured in the same run. Work that reuses
``X`` from cache between the two products could beat it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Measure this checkout's cedash, whether or not (and wherever) the package is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cedash import GradientDescentClassifier

LEARNING_RATE = 0.1
TARGET_MIN_RATIO = 1.0  # cedash must never be slower than the article
TARGET_LARGE_RATIO = 1.5  # ... and this much faster once n reaches LARGE_N
LARGE_N = 100_000


def article_loop(X, y, learning_rate, num_iters):
    # The tutorial's code; only the function wrapper is ours.
    w = np.zeros(X.shape[1])
    losses = []
    for _ in range(num_iters):
        z = np.dot(X, w)
        y_pred = 1 / (1 + np.exp(-z))
        p = np.clip(y_pred, 1e-15, 1 - 1e-15)
        loss = np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))
        losses.append(loss)
        dz = y_pred - y
        dw = np.dot(X.T, dz) / len(y)
        w -= learning_rate * dw
    return w, losses


def cedash_fit(X, y, learning_rate, num_iters):
    return GradientDescentClassifier(max_iter=num_iters, learning_rate=learning_rate, fit_intercept=True).fit(X, y)


SIDES = {"article": article_loop, "cedash": cedash_fit}


def make_data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    # The noise keeps the classes overlapping, so no run heads off to infinite weights.
    score = X @ w_true / np.sqrt(d) + 0.5 * rng.standard_normal(n)
    return X, (score > 0).astype(np.int64)


def timed(fn, X, y, k):
    gc.collect()
    t0 = time.perf_counter()
    fn(X, y, LEARNING_RATE, k)
    return time.perf_counter() - t0


def choose_iterations(fn, X, y, t_long, spread):
    """Pick ``k1 < k2`` so one run of ``k2`` iterations lasts about ``t_long`` seconds."""
    # Runs of k and 4k iterations separate the per-iteration cost from the setup, which
    # for cedash at large n (validating and copying X) can dwarf a few iterations.
    k = 1
    while True:
        t1, t4 = timed(fn, X, y, k), timed(fn, X, y, 4 * k)
        if t4 - t1 >= 0.01 or k >= 1 << 20:
            break
        k *= 4
    per_iter = max(t4 - t1, 1e-9) / (3 * k)
    k2 = max(4, round(t_long / per_iter))
    k1 = max(1, round(k2 / spread))
    return k1, k2


def streaming_bandwidth(nbytes, repeats):
    """Bytes per second that ``np.add.reduce`` reads from a float64 array larger than every cache."""
    a = np.ones(nbytes // 8)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.add.reduce(a)
        best = min(best, time.perf_counter() - t0)
    return a.nbytes / best


def bench_case(n, d, reps, t_long, spread):
    X, y = make_data(n, d)
    ks = {name: choose_iterations(fn, X, y, t_long, spread) for name, fn in SIDES.items()}
    times = {(name, k): [] for name, pair in ks.items() for k in pair}
    for rep in range(reps):
        order = list(SIDES) if rep % 2 == 0 else list(SIDES)[::-1]
        for which in (0, 1):
            for name in order:
                k = ks[name][which]
                times[(name, k)].append(timed(SIDES[name], X, y, k))
    row = {"n": n, "d": d, "bytes_X": X.nbytes}
    for name, (k1, k2) in ks.items():
        t1, t2 = statistics.median(times[(name, k1)]), statistics.median(times[(name, k2)])
        row[name] = {
            "k1": k1,
            "k2": k2,
            "t_k1": t1,
            "t_k2": t2,
            "us_per_iter": 1e6 * (t2 - t1) / (k2 - k1),
            "runs_k1": times[(name, k1)],
            "runs_k2": times[(name, k2)],
        }
    return row


def verdict(n, ratio):
    need = TARGET_LARGE_RATIO if n >= LARGE_N else TARGET_MIN_RATIO
    return need, ("PASS" if ratio >= need else "MISS")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions (< 1 minute)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results to this file")
    args = parser.parse_args(argv)

    if args.quick:
        sizes, reps, t_long, bw_bytes, bw_repeats = (1_000, 10_000, 100_000), 3, 0.15, 512 << 20, 4
    else:
        sizes, reps, t_long, bw_bytes, bw_repeats = (1_000, 10_000, 100_000, 1_000_000), 7, 0.4, 1 << 30, 6
    dims = (2, 20)
    spread = 4  # k2 / k1

    started = time.perf_counter()
    bandwidth = streaming_bandwidth(bw_bytes, bw_repeats)
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}")
    print(
        f"streaming-read bandwidth: {bandwidth / 1e9:.2f} GB/s "
        f"(np.add.reduce over {bw_bytes >> 20} MiB float64, best of {bw_repeats})"
    )
    # Other work on the machine, BLAS's two threads especially, can slow either side several-fold.
    print(f"load average at start: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} CPUs)")
    print(f"medians of {reps} interleaved repetitions; per-iteration = (T(k2) - T(k1)) / (k2 - k1)")
    print(
        f"targets: speed-up (article/cedash) >= {TARGET_MIN_RATIO:.1f} everywhere, "
        f">= {TARGET_LARGE_RATIO:.1f} for n >= {LARGE_N:.0e}\n"
    )
    header = (
        f"{'n':>9} {'d':>3} {'article us/it':>14} {'cedash us/it':>13} {'speed-up':>9} "
        f"{'target':>7} {'floor us/it':>12} {'cedash/floor':>13}  {'k article':>11} {'k cedash':>11}  result"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for n in sizes:
        for d in dims:
            row = bench_case(n, d, reps, t_long, spread)
            art, ced = row["article"]["us_per_iter"], row["cedash"]["us_per_iter"]
            row["floor_us_per_iter"] = 1e6 * 2 * row["bytes_X"] / bandwidth
            row["speedup"] = art / ced
            row["cedash_over_floor"] = ced / row["floor_us_per_iter"]
            row["target"], row["result"] = verdict(n, row["speedup"])
            rows.append(row)
            ka = "{k1}/{k2}".format(**row["article"])
            kc = "{k1}/{k2}".format(**row["cedash"])
            print(
                f"{n:>9.0e} {d:>3} {art:>14.1f} {ced:>13.1f} {row['speedup']:>9.2f} "
                f"{'>=' + format(row['target'], '.1f'):>7} {row['floor_us_per_iter']:>12.1f} "
                f"{row['cedash_over_floor']:>13.2f}  {ka:>11} {kc:>11}  {row['result']}",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    misses = sum(r["result"] == "MISS" for r in rows)
    print(f"\n{len(rows) - misses}/{len(rows)} rows meet their target; total {elapsed:.0f} s")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "numpy": np.__version__,
                    "python": platform.python_version(),
                    "quick": args.quick,
                    "repetitions": reps,
                    "bandwidth_bytes_per_s": bandwidth,
                    "load_average_end": os.getloadavg()[0],
                    "rows": rows,
                    "elapsed_s": elapsed,
                },
                indent=2,
            )
        )
    return 0 if misses == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
