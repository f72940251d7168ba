"""The loss landscape: training loss over a plane of two weights, and the path descent took through it.

Every other weight is held at its final value, so the slice passes through the
end of the path. Weights are named after their features, as the user sees them:
"weight of x1" for a sigmoid model, "weight of x1 for class c" for softmax, and
"intercept" or "intercept for class c", as the page names the setting that adds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cedash.model.objectives import per_sample_loss


def weight_names(model, feature_names) -> list[str]:
    """Names of every learned number, in the order of ``flat_weights``."""
    # Plain words rather than w[...] and b: the names appear on axes that people new to the maths read.
    k = model.coef_.shape[0]
    names = []
    for c in range(k):
        suffix = "" if k == 1 else f" for class {model.classes_[c]}"
        names += [f"weight of {f}{suffix}" for f in feature_names]
    names += ["intercept"] if k == 1 else [f"intercept for class {model.classes_[c]}" for c in range(k)]
    return names


def flat_weights(coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Coefficients row by row, then the intercepts: one vector per model state."""
    return np.concatenate([coef.ravel(), intercept.ravel()])


def weight_path(model, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """(iterations, values of weights ``i`` and ``j``) along the recorded history of ``model``."""
    m = len(model.history_iterations_)
    thetas = np.hstack([model.coef_history_.reshape(m, -1), model.intercept_history_.reshape(m, -1)])
    return model.history_iterations_, thetas[:, [i, j]]


def _unflatten(theta: np.ndarray, k: int, d: int):
    return theta[: k * d].reshape(k, d), theta[k * d :]


@dataclass(frozen=True)
class Landscape:
    names: tuple[str, str]
    a: np.ndarray  # grid values of the first weight
    b: np.ndarray  # grid values of the second weight
    loss: np.ndarray  # shape (len(b), len(a))
    path_iterations: np.ndarray
    path: np.ndarray  # shape (n_points, 2): the two weights along the recorded history


def _losses(X, y_idx, k, base_theta, i, j, A, B, alpha, chunk=4_000_000):
    """Objective at every (A[p], B[p]) with the other weights at ``base_theta``; vectorised over p."""
    n, d = X.shape
    coef, intercept = _unflatten(base_theta, k, d)
    Z0 = X @ coef.T + intercept  # (n, k)

    # Effect on the logits of moving weight i or j by one unit.
    def direction(idx):
        D = np.zeros((n, k))
        if idx < k * d:
            D[:, idx // d] = X[:, idx % d]
        else:
            D[:, idx - k * d] = 1.0
        return D

    Di, Dj = direction(i), direction(j)
    ai, bj = base_theta[i], base_theta[j]
    P = len(A)
    out = np.empty(P)
    step = max(1, chunk // max(1, n * k))
    penalised = [idx for idx in (i, j) if idx < k * d]
    base_sq = float(coef.ravel() @ coef.ravel()) - sum(base_theta[idx] ** 2 for idx in penalised)
    for s in range(0, P, step):
        da = (A[s : s + step] - ai)[:, None, None]
        db = (B[s : s + step] - bj)[:, None, None]
        Z = Z0[None] + da * Di[None] + db * Dj[None]  # (p, n, k)
        out[s : s + step] = per_sample_loss(y_idx, Z).mean(axis=1)
    if alpha:
        sq = base_sq + sum(vals**2 for idx, vals in ((i, A), (j, B)) if idx in penalised)
        out += 0.5 * alpha * sq
    return out


def loss_landscape(
    result, i: int = 0, j: int = 1, resolution: int = 60, margin: float = 0.25, max_rows: int = 5000, include=()
) -> Landscape:
    """Training loss over weights ``i`` and ``j`` (indices into ``weight_names``), around the path taken.

    The grid spans the path (and any (m, 2) point arrays in ``include``, such as
    other optimisers' paths) plus ``margin`` of its extent on every side. At most
    ``max_rows`` training rows (a seeded sample) are used for the surface; the
    path itself is exact.
    """
    model = result.model
    X = result.feature_map.transform(result.train.X)
    y_idx = result.class_index(result.train.y)
    if len(y_idx) > max_rows:
        take = np.random.default_rng(0).choice(len(y_idx), max_rows, replace=False)
        X, y_idx = X[take], y_idx[take]
    k, d = model.coef_.shape
    names = weight_names(model, result.feature_map.feature_names_)
    if not (0 <= i < len(names) and 0 <= j < len(names)) or i == j:
        raise ValueError(f"pick two different weights out of {len(names)}")
    if not model.fit_intercept and (i >= k * d or j >= k * d):
        raise ValueError("this model has no intercept; pick two coefficients")
    _, path = weight_path(model, i, j)
    everything = np.vstack([path, *include])
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    span = np.maximum(hi - lo, np.maximum(np.abs(hi), 1.0) * 0.5)
    a = np.linspace(lo[0] - margin * span[0], hi[0] + margin * span[0], resolution)
    b = np.linspace(lo[1] - margin * span[1], hi[1] + margin * span[1], resolution)
    AA, BB = np.meshgrid(a, b)
    base = flat_weights(model.coef_, model.intercept_)
    loss = _losses(X, y_idx, k, base, i, j, AA.ravel(), BB.ravel(), result.config.alpha).reshape(AA.shape)
    return Landscape((names[i], names[j]), a, b, loss, model.history_iterations_, path)
