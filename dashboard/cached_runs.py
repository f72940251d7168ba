"""Runs and derived results through the server-wide cache: what every tab asks for.

Each session asks for the same few things (the run for this data and these
settings, the best possible loss); the cache keys them by data content and
settings so that any session, and going back to an earlier setting, reuses them.
"""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from cedash.config import RunConfig
from cedash.data.dataset import Dataset
from cedash.runs.experiment import run
from cedash.runs.optimum import run_optimum
from dashboard.run_cache import fingerprint
from dashboard.state import LIMITS, run_cache

OPTIMUM_MAX_ROWS = 50_000


def best_possible(result, result_key):
    """scikit-learn's optimum for this run's data, features and penalty (cached), or None for big data."""
    if result.train.n_samples > OPTIMUM_MAX_ROWS:
        return None
    # The optimum depends on the data, features and penalty, not on how the descent is run.
    problem = replace(result.config, learning_rate=0.0, max_iter=0, optimizer="gd", batch_size=None, momentum=0.0)
    return run_cache().get_or_compute(("optimum", result_key[0], problem), lambda: run_optimum(result))[0]


def train(data: Dataset, config: RunConfig):
    """The run for this data and these settings: from the cache, or trained now with a progress bar."""
    key = (fingerprint(data), config)
    bar = st.empty()
    start = time.perf_counter()
    shown = [0.0]

    # Each bar update is a message to the browser: quick fits show none, long ones ten a second at most.
    def progress(iteration, loss):
        now = time.perf_counter() - start
        if now > 0.2 and now - shown[0] >= 0.1:
            shown[0] = now
            bar.progress(iteration / config.max_iter, text=f"Training: iteration {iteration:,}, loss {loss:.4g}")

    result, cached = run_cache().get_or_compute(key, lambda: run(data, config, callback=progress, limits=LIMITS))
    st.session_state.last_run_cached = cached
    bar.empty()
    return result, key
