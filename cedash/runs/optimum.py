"""The best loss any model of this form can reach on the training data, from scikit-learn's solver.

Gradient descent and L-BFGS minimise the same objective (mean cross-entropy +
alpha/2 |W|^2, which is LogisticRegression with C = 1 / (alpha n)); the gap
between them shows how far a setting is from done.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from cedash.model.losses import binary_cross_entropy_with_logits, softmax_cross_entropy_with_logits


@dataclass(frozen=True)
class Optimum:
    loss: float
    converged: bool
    note: str | None = None


def optimal_loss(X: np.ndarray, y_idx: np.ndarray, alpha: float, fit_intercept: bool) -> Optimum:
    """Minimum of the training objective. With no penalty on separable data there is no minimum
    (the loss only approaches 0 as the weights grow), and the note says so."""
    n = len(y_idx)
    C = np.inf if alpha == 0 else 1.0 / (alpha * n)
    solver = LogisticRegression(C=C, fit_intercept=fit_intercept, tol=1e-10, max_iter=10_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        solver.fit(X, y_idx)
    Z = solver.decision_function(X)
    if Z.ndim == 1:
        loss = binary_cross_entropy_with_logits(y_idx, Z)
    else:
        loss = softmax_cross_entropy_with_logits(y_idx, Z)
    loss += 0.5 * alpha * float(np.sum(solver.coef_**2))
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    note = None
    if alpha == 0 and (loss < 1e-6 or not converged):
        note = "the classes can be separated perfectly, so without a penalty the loss has no minimum: it keeps "
        note += "falling towards 0 as the weights grow"
    return Optimum(float(loss), converged, note)


def run_optimum(result) -> Optimum:
    """The optimum for the data, features and penalty of a finished run."""
    X = result.feature_map.transform(result.train.X)
    return optimal_loss(X, result.class_index(result.train.y), result.config.alpha, result.config.fit_intercept)
