"""Compile every numba kernel the dashboard uses before the first user needs it."""

from __future__ import annotations

import time

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.model import compiled
from cedash.runs.experiment import run
from cedash.runs.sweep import sweep


def warm_up() -> float:
    """Compile (or load from numba's cache) every kernel the dashboard uses; returns the seconds it took.

    A server calls this once at start: numba compiles on first use while holding
    the GIL, so otherwise the first user of each kernel stalls every session.
    """
    start = time.perf_counter()
    if compiled.enabled():
        for name in ("xor", "three blobs"):
            data = load_dataset(name, n_samples=30)
            for optimizer in ("gd", "adam"):
                run(data, RunConfig(max_iter=2, optimizer=optimizer))
            sweep(data, RunConfig(max_iter=2), [0.1, 1.0])
    return time.perf_counter() - start
