"""What a user can download: the trained model as JSON, the loss history and the data as CSV."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from .dataset import Dataset
from .experiment import RunResult


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


def dataset_csv(data: Dataset) -> str:
    buffer = io.StringIO()
    dataset_frame(data).to_csv(buffer, index=False)
    return buffer.getvalue()
