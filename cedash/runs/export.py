"""What a user can download: the trained model as JSON, the loss history and the data as CSV."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from cedash.data.dataset import Dataset
from cedash.runs.experiment import RunResult


def model_json(result: RunResult) -> str:
    """Classes, coefficients, intercept, the feature map and every setting, as indented JSON."""
    return json.dumps(result.export(), indent=2, allow_nan=False, default=_plain)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def history_frame(result: RunResult) -> pd.DataFrame:
    """One row per iteration: the training objective, and test loss and accuracies where recorded.

    Accuracy and test loss are evaluated at the recorded iterations only; other rows are left empty.
    """
    frame = pd.DataFrame({"iteration": np.arange(len(result.loss_curve)), "train_loss": result.loss_curve})

    def at_every_iteration(values, curves):
        return pd.Series(values, index=curves.iterations).reindex(frame["iteration"]).to_numpy()

    frame["train_accuracy"] = at_every_iteration(result.train_curves.accuracy, result.train_curves)
    if result.test_curves is not None:
        frame["test_loss"] = at_every_iteration(result.test_curves.loss, result.test_curves)
        frame["test_accuracy"] = at_every_iteration(result.test_curves.accuracy, result.test_curves)
    return frame


def history_csv(result: RunResult) -> str:
    return history_frame(result).to_csv(index=False)


def dataset_frame(data: Dataset) -> pd.DataFrame:
    """Features and labels as one table, labels under the target's name."""
    frame = pd.DataFrame(data.X, columns=list(data.feature_names))
    target = data.target_name
    while target in frame.columns:
        target += "_"
    frame[target] = data.y
    return frame


# A spreadsheet runs a cell that starts with one of these as a formula ("=cmd|..."),
# so text cells and names that do are written with a leading apostrophe, which
# spreadsheets show as plain text. Numbers are never changed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    """``text`` made safe to open in a spreadsheet."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def dataset_csv(data: Dataset) -> str:
    """The data as CSV, with text that a spreadsheet would run as a formula defused."""
    return frame_csv(dataset_frame(data))


def frame_csv(frame: pd.DataFrame) -> str:
    """A table as CSV, with names and text that a spreadsheet would run as a formula defused."""
    frame = frame.copy()
    frame.columns = [defuse(str(name)) for name in frame.columns]
    for name in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(frame[name]):
            frame[name] = frame[name].map(lambda v: defuse(v) if isinstance(v, str) else v)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()
