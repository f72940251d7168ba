"""The training objective: mean cross-entropy of a linear model plus ``alpha/2 |W|^2``, and its gradient.

Parameters live in one array ``theta`` of shape ``(d + 1, k)``: rows ``0..d-1``
are the weights, row ``d`` the intercept (never penalised), and ``k`` is 1 for
a sigmoid model or the number of classes for a softmax model. Several models
trained side by side (a learning-rate sweep) stack their columns:
``(d + 1, M * k)``.

:func:`loss_and_gradient` is the reference: plain numpy on the logit losses of
:mod:`cedash.model.losses`, written to be read, not to be fast. The objectives
training runs on compute the same numbers faster, either with the compiled
kernels of :mod:`cedash.model.compiled` or, without numba, with
:class:`StackedObjective`; the tests hold both to the reference.
"""

from __future__ import annotations

import numpy as np

from cedash.model import compiled
from cedash.model.losses import binary_cross_entropy_grad, log_softmax, softmax_cross_entropy_grad, softplus


def outputs_per_model(n_classes: int) -> int:
    """Columns of ``theta`` per model: one sigmoid output for two classes, one per class beyond."""
    return 1 if n_classes == 2 else n_classes


def per_sample_loss(y_idx, Z) -> np.ndarray:
    """Cross-entropy of each sample from its logits, for any number of models at once.

    ``Z`` has shape ``(..., n, c)``: one sigmoid output (``c = 1``) or one logit per
    class; ``y_idx`` holds the ``n`` class indices. The result has shape ``(..., n)``.
    """
    y = np.asarray(y_idx)
    if Z.shape[-1] == 1:
        # The loss of label y at logit z is softplus(-z) for y = 1 and softplus(z) for y = 0.
        return softplus((1.0 - 2.0 * y) * Z[..., 0])
    L = log_softmax(Z.reshape(-1, Z.shape[-1])).reshape(Z.shape)
    return -np.take_along_axis(L, np.broadcast_to(y[:, None], (*Z.shape[:-1], 1)), axis=-1)[..., 0]


def models_loss_and_gradient(X, y, theta, n_classes: int, alpha: float, fit_intercept: bool):
    """The reference objective of ``M`` stacked models: ``(losses of shape (M,), gradient like theta)``.

    ``y`` holds class indices (0 or 1 for two classes).
    """
    n, d = X.shape
    W = theta[:d]
    Z = X @ W + (theta[d] if fit_intercept else 0.0)
    c = outputs_per_model(n_classes)
    m = Z.shape[1] // c
    losses = per_sample_loss(y, Z.reshape(n, m, c).transpose(1, 0, 2)).mean(axis=1)
    if c == 1:
        R = binary_cross_entropy_grad(np.asarray(y)[:, None], Z)
    else:
        # Each model's (n, c) block of logits becomes n rows of one (n * M, c) table.
        R = softmax_cross_entropy_grad(np.repeat(y, m), Z.reshape(n * m, c)).reshape(n, m * c)
    R /= n
    grad = np.empty_like(theta, dtype=np.float64)
    grad[:d] = X.T @ R + alpha * W
    grad[d] = R.sum(axis=0) if fit_intercept else 0.0
    losses += 0.5 * alpha * (W * W).reshape(d, m, c).sum(axis=(0, 2))
    return losses, grad


def loss_and_gradient(X, y, theta, alpha: float, fit_intercept: bool):
    """The reference objective of one model, ``theta`` of shape ``(d + 1, k)``: ``(loss, gradient)``."""
    k = theta.shape[1]
    losses, grad = models_loss_and_gradient(X, y, theta, 2 if k == 1 else k, alpha, fit_intercept)
    return float(losses[0]), grad


class StackedObjective:
    """:func:`models_loss_and_gradient` tuned for numpy; called with ``(theta, grad)``, it fills ``grad``.

    This is the path without numba (the "numpy" column of
    ``benchmarks/bench_train.py``) and for sweeps with optimisers other than
    plain descent. It stays beside the reference because the reference, timed
    per call in the same process at n = 50 to 1e5, was 2.7-3.8x slower for two
    classes and 1.1-4x for more: it builds the loss and the gradient from general
    functions, each its own set of passes over fresh temporaries.
    ``tests/test_objectives.py`` checks the two agree.
    """

    def __init__(self, X, y_idx, n_classes: int, n_models: int, alpha: float, fit_intercept: bool):
        # Column-major, so both matrix products (X @ W and X.T @ R) stream X.
        self.X = np.asfortranarray(X, dtype=np.float64)
        self.n, self.d = X.shape
        self.c = outputs_per_model(n_classes)
        self.m = n_models
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.y = np.asarray(y_idx)
        self.Z = np.empty((self.n, self.m * self.c))
        if self.c == 1:
            self.softplus = _SoftplusAndSigmoid((self.n, self.m))
            # -s with s = 2y - 1: the loss of a row is softplus(-s z), its derivative -s sigmoid(-s z).
            self.neg_s = (1.0 - 2.0 * self.y.astype(np.float64))[:, None]
            # Folding 1/n into the sign saves a pass over the residuals.
            self.neg_s_over_n = self.neg_s / self.n

    def __call__(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Per-model objective, shape (M,); writes the gradient into ``grad``."""
        d, Z = self.d, self.Z
        W = theta[:d]
        np.dot(self.X, W, out=Z)
        if self.fit_intercept:
            Z += theta[d]
        losses = self._binary(Z) if self.c == 1 else self._softmax(Z)
        np.dot(self.X.T, Z, out=grad[:d])
        if self.fit_intercept:
            np.add.reduce(Z, axis=0, out=grad[d])
        else:
            grad[d] = 0.0
        if self.alpha:
            losses += 0.5 * self.alpha * (W * W).reshape(d, self.m, self.c).sum(axis=(0, 2))
            grad[:d] += self.alpha * W
        return losses

    def _binary(self, Z):
        """Mean losses of the columns of logits ``Z``, which become ``dloss/dz`` (already divided by n)."""
        Z *= self.neg_s
        losses = self.softplus(Z) / self.n
        Z *= self.neg_s_over_n
        return losses

    def _softmax(self, Z):
        n = self.n
        rows = np.arange(n)
        Z3 = Z.reshape(n, self.m, self.c)
        Z3 -= Z3.max(axis=2, keepdims=True)
        true_logit = Z3[rows, :, self.y]  # (n, M)
        np.exp(Z3, out=Z3)
        S = Z3.sum(axis=2)
        losses = (np.log(S) - true_logit).mean(axis=0)
        S *= n
        Z3 /= S[:, :, None]
        Z3[rows, :, self.y] -= 1.0 / n
        return losses


class _SoftplusAndSigmoid:
    """Column sums of ``softplus(T)``, leaving ``sigmoid(T)`` in ``T``, for arrays of one shape.

    np.exp and np.log1p run numpy's SIMD loops, while np.logaddexp and scipy's
    expit call scalar libm per element and cost 5-20x more. So softplus and
    sigmoid are rebuilt from ``e = exp(-|t|)``, which lies in (0, 1] and never
    overflows::

        softplus(t) = max(t, 0) + log1p(e)
        sigmoid(t)  = h / (1 + e),  h = exp(min(t, 0)) = min(e + ceil(max(t, 0)), 1)

    The ceil is 0 where t <= 0 and at least 1 where t > 0, so h is e or 1
    exactly, without a second exp. Both keep full relative precision in the
    tails, and sigmoid(0) is exactly 1/2, so a residual that is zero in exact
    arithmetic gives an exactly zero gradient.
    """

    def __init__(self, shape):
        self.e = np.empty(shape)
        self.h = np.empty(shape)
        # np.maximum/np.minimum against a scalar miss numpy's SIMD loop; against an
        # array they hit it and run about 1.6x faster, which is worth the zeros and ones.
        self.zeros = np.zeros(shape)
        self.ones = np.ones(shape)

    def __call__(self, T: np.ndarray) -> np.ndarray:
        e, h = self.e, self.h
        np.maximum(T, self.zeros, out=h)
        total = np.add.reduce(h, axis=0)
        np.ceil(h, out=h)
        np.abs(T, out=T)
        np.negative(T, out=T)
        np.exp(T, out=e)
        np.log1p(e, out=T)
        total += np.add.reduce(T, axis=0)
        h += e
        np.minimum(h, self.ones, out=h)
        e += 1.0
        np.divide(h, e, out=T)
        return total


class _OneModel:
    """One model's objective, ``objective(theta, grad) -> loss``: compiled when numba is there, else numpy."""

    def __init__(self, X, y_idx, n_classes: int, alpha: float, fit_intercept: bool):
        self.n, self.d = X.shape
        self.compiled = compiled.enabled()
        self.parts = 1  # threads a compiled pass is split across (see compiled.split_pass)
        if self.compiled:
            self.problem = compiled.make_problem(X, y_idx, n_classes, alpha, fit_intercept)
            self.parts = compiled.pass_parts(self.problem)
        else:
            self.stacked = StackedObjective(X, y_idx, n_classes, 1, alpha, fit_intercept)

    def __call__(self, theta: np.ndarray, grad: np.ndarray) -> float:
        if self.compiled:
            # The kernels take the C-ordered (d + 1, k) arrays flat, and update them in place.
            if self.parts > 1:
                return compiled.split_pass(self.problem, theta.reshape(-1), grad.reshape(-1), self.parts)
            return compiled.objective_pass(self.problem, theta.reshape(-1), grad.reshape(-1))
        return float(self.stacked(theta, grad)[0])


class BinaryObjective(_OneModel):
    """Mean binary cross-entropy (from logits) plus ``alpha/2 |w|^2``, with its gradient."""

    def __init__(self, X, y01, alpha: float, fit_intercept: bool):
        super().__init__(X, y01, 2, alpha, fit_intercept)


class SoftmaxObjective(_OneModel):
    """Mean categorical cross-entropy (from logits) plus ``alpha/2 |W|^2``, with its gradient."""

    def __init__(self, X, y_idx, n_classes: int, alpha: float, fit_intercept: bool):
        super().__init__(X, y_idx, n_classes, alpha, fit_intercept)
