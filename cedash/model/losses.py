"""Cross-entropy losses and their gradients: the maths every chart in cedash shows.

Two families live here.

From probabilities
    ``cross_entropy_loss`` is the function of the tutorial cedash grew from: it
    clips ``p`` to ``[1e-15, 1 - 1e-15]`` and averages ``-y log p - (1-y) log(1-p)``.
    Clipping caps the loss of a single sample at ``-log(1e-15) = 34.54``, so a
    model that is confidently wrong by a logit of 50 or 5000 is charged the same
    34.54. In float32, ``1 - 1e-15`` rounds to 1.0, so the clip does nothing and
    ``log(1 - p)`` is ``-inf`` as soon as ``sigmoid(z)`` rounds to 1 (from
    z ~ 16.6); ``0 * inf`` then gives NaN.

From logits
    ``binary_cross_entropy_with_logits`` and ``softmax_cross_entropy_with_logits``
    never form ``p``. The binary loss is ``softplus(-s z)`` with ``s = +1`` for
    the positive class and ``-1`` for the negative one, and softplus is written
    as ``max(t, 0) + log1p(exp(-|t|))``: every term is exact for any finite
    logit, in float32 and float64, so the loss equals ``-log_expit(s z)`` to a
    few ulp and never overflows. This is the form the classifier trains on.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-15
"""The tutorial's clip: probabilities are kept inside ``[EPSILON, 1 - EPSILON]``."""


def _float_array(a) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    return a


def _reduce(per_sample: np.ndarray, reduction: str):
    if reduction == "mean":
        return float(np.mean(per_sample))
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return float(np.sum(per_sample))
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


# --- from probabilities ------------------------------------------------------


def binary_cross_entropy(y_true, y_pred, *, reduction: str = "mean", eps: float = EPSILON):
    """Binary cross-entropy of labels in {0, 1} against predicted P(y=1).

    Probabilities are clipped to ``[eps, 1 - eps]`` as in the tutorial, so the
    per-sample loss can never exceed ``-log(eps)`` (34.54 for the default).
    Use :func:`binary_cross_entropy_with_logits` when the logits are at hand.
    """
    y = _float_array(y_true)
    p = np.clip(_float_array(y_pred), eps, 1 - eps)
    per_sample = -y * np.log(p) - (1 - y) * np.log(1 - p)
    return _reduce(per_sample, reduction)


def cross_entropy_loss(y_true, y_pred) -> float:
    """The tutorial's function: mean binary cross-entropy from probabilities.

    ``cross_entropy_loss([1, 0, 1, 0], [0.8, 0.3, 0.7, 0.2])`` is 0.2899092476264711.
    """
    return binary_cross_entropy(y_true, y_pred, reduction="mean")


def categorical_cross_entropy(y_true, proba, *, reduction: str = "mean", eps: float = EPSILON):
    """Cross-entropy of integer class indices (or one-hot rows) against class probabilities.

    ``proba`` has one row per sample and one column per class. The probability
    of the true class is clipped below at ``eps``, as in the binary form.
    """
    P = _float_array(proba)
    Y = np.asarray(y_true)
    if Y.ndim == 2:
        p_true = np.sum(Y * P, axis=1)
    else:
        p_true = np.take_along_axis(P, Y.astype(np.intp)[:, None], axis=1)[:, 0]
    per_sample = -np.log(np.clip(p_true, eps, 1.0))
    return _reduce(per_sample, reduction)


# --- from logits -------------------------------------------------------------


def sigmoid(z):
    """Logistic function, exact in both tails (no overflow warning for large |z|)."""
    z = _float_array(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def softplus(t):
    """``log(1 + exp(t))`` computed without overflow or cancellation."""
    t = _float_array(t)
    return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))


def binary_cross_entropy_with_logits(y_true, logits, *, reduction: str = "mean"):
    """Binary cross-entropy of labels in {0, 1} (or soft labels in [0, 1]) from logits.

    Per sample this is ``y softplus(-z) + (1 - y) softplus(z)``, which for hard
    labels equals ``-log_expit(z)`` or ``-log_expit(-z)`` to a few ulp for every
    finite ``z``. There is no clip: a logit of -5000 on a positive sample costs
    5000, not 34.54.
    """
    z = _float_array(logits)
    y = np.asarray(y_true).astype(z.dtype, copy=False)
    per_sample = y * softplus(-z) + (1 - y) * softplus(z)
    return _reduce(per_sample, reduction)


def binary_cross_entropy_grad(y_true, logits) -> np.ndarray:
    """Gradient of the per-sample binary loss with respect to each logit: ``sigmoid(z) - y``."""
    z = _float_array(logits)
    return sigmoid(z) - np.asarray(y_true).astype(z.dtype, copy=False)


def log_softmax(logits) -> np.ndarray:
    """Row-wise ``log softmax`` of a 2-D array, exact to a few ulp for any finite logits.

    Rows are shifted by their maximum so ``exp`` never overflows, and the
    maximum's own term (exactly 1) is kept out of the sum and added back with
    ``log1p``; otherwise ``log(1 + tiny)`` would lose the digits of ``tiny``.
    """
    Z = np.atleast_2d(_float_array(logits))
    top = np.argmax(Z, axis=1)
    rows = np.arange(Z.shape[0])
    shifted = Z - Z[rows, top][:, None]
    others = np.exp(shifted)
    others[rows, top] = 0.0
    return shifted - np.log1p(np.sum(others, axis=1, keepdims=True))


def softmax(logits) -> np.ndarray:
    """Row-wise softmax of a 2-D array of logits."""
    return np.exp(log_softmax(logits))


def softmax_cross_entropy_with_logits(y_true, logits, *, reduction: str = "mean"):
    """Categorical cross-entropy from logits: ``logsumexp(z) - z[y]`` for each row.

    ``y_true`` holds integer class indices or one-hot (or soft) rows.
    """
    L = log_softmax(logits)
    Y = np.asarray(y_true)
    if Y.ndim == 2:
        per_sample = -np.sum(Y * L, axis=1)
    else:
        per_sample = -np.take_along_axis(L, Y.astype(np.intp)[:, None], axis=1)[:, 0]
    return _reduce(per_sample, reduction)


def softmax_cross_entropy_grad(y_true, logits) -> np.ndarray:
    """Gradient of the per-sample categorical loss with respect to the logits: ``softmax(z) - onehot(y)``."""
    P = softmax(logits)
    Y = np.asarray(y_true)
    if Y.ndim == 2:
        return P - Y.astype(P.dtype, copy=False)
    P[np.arange(P.shape[0]), Y.astype(np.intp)] -= 1
    return P
