"""Runs side by side: a table of settings against results, and the optimiser race."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from cedash.model.optimizers import OPTIMIZER_NAMES, OPTIMIZERS

MAX_PINNED = 6


def run_label(result, data_name: str) -> str:
    c = result.config
    label = f"{data_name}: {OPTIMIZER_NAMES[c.optimizer]}, lr {c.learning_rate:g}, {c.max_iter} it"
    if c.degree > 1:
        label += f", degree {c.degree}"
    if c.alpha:
        label += f", L2 {c.alpha:g}"
    return label


# RunConfig's fields as the page's settings name them.
SETTING_NAMES = {
    "learning_rate": "learning rate",
    "max_iter": "iterations",
    "optimizer": "optimiser",
    "momentum": "momentum",
    "batch_size": "batch size",
    "alpha": "L2 penalty",
    "fit_intercept": "intercept",
    "standardize": "standardise",
    "degree": "feature degree",
    "test_size": "test share",
    "seed": "seed",
}
# The result columns whose values are shares, shown as percentages.
SHARE_COLUMNS = ("train accuracy", "test accuracy")


def comparison_table(runs: dict) -> pd.DataFrame:
    """One row per run: the settings that differ between runs (named as on the page), then the results."""
    rows = []
    for label, result in runs.items():
        s = result.summary()
        settings = {**result.config.to_dict(), "optimizer": OPTIMIZER_NAMES[result.config.optimizer]}
        row = {"run": label, **{SETTING_NAMES.get(k, k): v for k, v in settings.items()}}
        row.update(
            {
                "final train loss": s["train_loss"],
                "final test loss": s.get("test_loss"),
                "train accuracy": s["train_accuracy"],
                "test accuracy": s.get("test_accuracy"),
                "iterations run": s["n_iter"],
                "diverged": "no" if s["diverged"] is False else f"at iteration {s['diverged']}",
                "fit time (ms)": round(1000 * s["fit_seconds"], 1),
            }
        )
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("run")
    settings = [SETTING_NAMES.get(k, k) for k in runs[next(iter(runs))].config.to_dict()] if runs else []
    varying = [c for c in settings if frame[c].astype(str).nunique() > 1]
    results = [c for c in frame.columns if c not in settings]
    return frame[varying + results]


def race_configs(config) -> dict:
    """The same run with each optimiser: full batch, same learning rate and iterations."""
    return {name: replace(config, optimizer=name, batch_size=None) for name in OPTIMIZERS}
