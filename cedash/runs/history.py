"""Loss and accuracy of a fitted model at each recorded iteration, on any data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cedash.model import compiled
from cedash.model.objectives import per_sample_loss


@dataclass(frozen=True)
class HistoryCurves:
    iterations: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray


def _thin(iterations: np.ndarray, max_points: int) -> np.ndarray:
    if len(iterations) <= max_points:
        return np.arange(len(iterations))
    keep = np.unique(np.linspace(0, len(iterations) - 1, max_points).round().astype(int))
    return keep


def evaluate_history(
    model, X: np.ndarray, y_idx: np.ndarray, max_points: int = 200, chunk: int = 2_000_000, *, fitted: bool = False
):
    """Cross-entropy (no penalty) and accuracy of ``model`` on ``(X, y_idx)`` at its recorded iterations.

    ``y_idx`` holds class indices into ``model.classes_``. At most ``max_points``
    iterations are evaluated, spread evenly, and the logits are formed in chunks
    of about ``chunk`` numbers so memory stays bounded for large ``X``.

    ``fitted`` says that ``(X, y_idx)`` is the data the model was fitted on: its
    loss is then the fit's own curve less the penalty, and only accuracy is
    computed. (At a million rows, computing that loss again took a quarter of a run.)
    """
    keep = _thin(model.history_iterations_, max_points)
    iterations = model.history_iterations_[keep]
    coefs = model.coef_history_[keep]  # (m, k, d)
    m, k, d = coefs.shape
    # One matrix product per chunk gives every model's logits: rows by (model, output).
    weights = coefs.reshape(m * k, d).T
    intercepts = model.intercept_history_[keep].reshape(-1)
    n = len(y_idx)
    y_idx = np.asarray(y_idx, dtype=np.int64)
    loss = np.zeros(m)
    correct = np.zeros(m)
    rows_per_chunk = max(1, chunk // max(1, m * k))
    for start in range(0, n, rows_per_chunk):
        yc = y_idx[start : start + rows_per_chunk]
        Z = (X[start : start + rows_per_chunk] @ weights + intercepts).reshape(len(yc), m, k)
        if fitted:
            correct += _right_predictions(Z, yc)
        else:
            _score(Z, yc, loss, correct)
    if fitted:
        penalty = 0.5 * model.alpha * np.square(coefs).sum(axis=(1, 2))
        return HistoryCurves(iterations, model.loss_curve_[iterations] - penalty, correct / n)
    return HistoryCurves(iterations, loss / n, correct / n)


def _right_predictions(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """How many rows each model (axis 1 of ``Z``) predicts right."""
    predicted = (Z[..., 0] > 0).astype(np.intp) if Z.shape[2] == 1 else Z.argmax(axis=2)
    return (predicted == y[:, None]).sum(axis=0)


def _score(Z: np.ndarray, y: np.ndarray, loss: np.ndarray, correct: np.ndarray) -> None:
    """Add the summed loss and the right predictions of each model (axis 1 of ``Z``) to ``loss`` and ``correct``."""
    if compiled.enabled():
        # numpy's log1p is a scalar libm call per element; the compiled loop runs in about half the time.
        compiled.score_logits(Z, y, loss, correct)
        return
    loss += per_sample_loss(y, Z.transpose(1, 0, 2)).sum(axis=1)
    correct += _right_predictions(Z, y)
