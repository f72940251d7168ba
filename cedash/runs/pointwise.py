"""Loss point by point: which points the model is confidently wrong about, and what that costs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix

from cedash.data.dataset import Dataset


@dataclass(frozen=True)
class PointLosses:
    X: np.ndarray  # the input features of each point
    y: np.ndarray  # labels as given
    p_true: np.ndarray  # probability the model gives the true label
    loss: np.ndarray  # -log p_true, exact from the logits
    predicted: np.ndarray


def point_losses(result, part: Dataset, iteration: int | None = None) -> PointLosses:
    """Each point's cross-entropy under the model at ``iteration`` (default: the end)."""
    model = result.model
    mapped = result.feature_map.transform(part.X)
    log_p = model.predict_log_proba(mapped, iteration=iteration)
    idx = result.class_index(part.y)
    known = idx < len(model.classes_)
    idx = np.where(known, idx, 0)
    log_true = log_p[np.arange(len(idx)), idx]
    loss = -log_true
    predicted = model.classes_[np.argmax(log_p, axis=1)]
    return PointLosses(part.X, part.y, np.exp(log_true), loss, predicted)


def confusion(y_true, y_pred, classes) -> np.ndarray:
    """Counts with true classes down the rows and predicted classes across the columns."""
    return confusion_matrix(y_true, y_pred, labels=classes)
