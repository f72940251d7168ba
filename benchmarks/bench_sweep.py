"""A 16-rate learning-rate sweep against one run of the same length, on the same data.

Run ``python benchmarks/bench_sweep.py`` (about a minute). The sweep trains all
rates together, one matrix product per iteration; a sequential sweep would cost
16 runs. Target: the sweep takes at most 3x one run.

"one run" is what the dashboard pays for a run (split, feature map, training
with the loss recorded at every iteration, and the test and accuracy curves);
"fit only" is the classifier's training alone, the stricter baseline. Each
repetition runs the three alternately and the table shows medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# This worktree's cedash, not an installed copy: running a file puts only benchmarks/ on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.model.classifier import GradientDescentClassifier
from cedash.runs.experiment import prepare, run
from cedash.runs.sweep import log_spaced_rates, sweep

TARGET = 3.0


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, default=16)
    parser.add_argument("--iters", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rates = log_spaced_rates(1e-3, 10, args.rates)
    cases = [
        ("moons", 200, 1),
        ("moons", 2_000, 1),
        ("moons", 20_000, 1),
        ("moons", 200, 3),
        ("three blobs", 200, 1),
        ("three blobs", 2_000, 1),
    ]
    print(f"{args.rates} learning rates, {args.iters} iterations, median of {args.repeats}\n")
    header = (
        f"{'data':<12} {'points':>7} {'degree':>6} {'one run ms':>11} {'fit only ms':>12} {'sweep ms':>9} "
        f"{'sweep/run':>9} {'sweep/fit':>9}  target (sweep/run)"
    )
    print(header)
    print("-" * len(header))
    for name, n, degree in cases:
        data = load_dataset(name, n_samples=n)
        config = RunConfig(max_iter=args.iters, degree=degree)
        train, _, _, Xtr = prepare(data, config)
        model = GradientDescentClassifier(max_iter=args.iters)
        one, fit, many = [], [], []
        for _ in range(args.repeats):
            one.append(timed(lambda: run(data, config)))  # noqa: B023 (called at once)
            fit.append(timed(lambda: model.fit(Xtr, train.y)))  # noqa: B023
            many.append(timed(lambda: sweep(data, config, rates)))  # noqa: B023
        t1, tf, tk = statistics.median(one), statistics.median(fit), statistics.median(many)
        verdict = "PASS" if tk / t1 <= TARGET else "MISS"
        times = f"{1000 * t1:>11.1f} {1000 * tf:>12.1f} {1000 * tk:>9.1f}"
        print(f"{name:<12} {n:>7} {degree:>6} {times} {tk / t1:>9.2f} {tk / tf:>9.2f}  <= {TARGET:g} {verdict}")


if __name__ == "__main__":
    main()
