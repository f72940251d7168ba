"""Loss and accuracy of a fitted model at each recorded iteration, on any data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def evaluate_history(model, X: np.ndarray, y_idx: np.ndarray, max_points: int = 200, chunk: int = 2_000_000):
    """Cross-entropy (no penalty) and accuracy of ``model`` on ``(X, y_idx)`` at its recorded iterations.

    ``y_idx`` holds class indices into ``model.classes_``. At most ``max_points``
    iterations are evaluated, spread evenly, and the logits are formed in chunks
    of about ``chunk`` numbers so memory stays bounded for large ``X``.
    """
    keep = _thin(model.history_iterations_, max_points)
    coefs = model.coef_history_[keep]  # (m, k, d)
    intercepts = model.intercept_history_[keep]  # (m, k)
    m, k, _ = coefs.shape
    n = len(y_idx)
    loss = np.zeros(m)
    correct = np.zeros(m)
    rows_per_chunk = max(1, chunk // max(1, m * k))
    for start in range(0, n, rows_per_chunk):
        Xc = X[start : start + rows_per_chunk]
        yc = y_idx[start : start + rows_per_chunk]
        Z = Xc @ coefs.transpose(0, 2, 1) + intercepts[:, None, :]  # (m, rows, k)
        loss += per_sample_loss(yc, Z).sum(axis=1)
        predicted = (Z[..., 0] > 0).astype(np.intp) if k == 1 else Z.argmax(axis=2)
        correct += (predicted == yc[None, :]).sum(axis=1)
    return HistoryCurves(model.history_iterations_[keep], loss / n, correct / n)
