"""Learning-rate sweep: K models with K learning rates, trained together.

Stacking the K weight vectors as the columns of one matrix turns K
matrix-vector products into one matrix product per iteration, so the data is
read once per iteration for all K models instead of K times. Each model keeps
its own divergence record; a diverged model is frozen at its last good weights
and the others carry on.

For plain gradient descent the compiled kernels do the same
(:func:`cedash.model.compiled.sweep_iterations`): with two classes each block of the
data is read once per iteration and serves every model while it is in cache;
a diverged model costs nothing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cedash.config import RunConfig
from cedash.data.dataset import Dataset
from cedash.limits import DEFAULT_LIMITS, Limits
from cedash.model import compiled
from cedash.model.optimizers import make_optimizer
from cedash.runs.experiment import check_work, prepare


def log_spaced_rates(low: float = 1e-3, high: float = 10.0, k: int = 12) -> np.ndarray:
    """``k`` learning rates evenly spaced on a log scale from ``low`` to ``high``."""
    return np.logspace(math.log10(low), math.log10(high), k)


class StackedObjective:
    """Mean cross-entropy (+ L2) of M models at once; parameters are a (d + 1, M * c) matrix.

    ``c`` is 1 for a sigmoid model and the number of classes for softmax; the
    columns of model ``m`` are ``m * c .. m * c + c - 1``.
    """

    def __init__(self, X, y_idx, n_classes, n_models, alpha, fit_intercept):
        self.X = np.asfortranarray(X, dtype=np.float64)
        self.n, self.d = X.shape
        self.c = 1 if n_classes == 2 else n_classes
        self.m = n_models
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.y = y_idx
        self.neg_s = (1.0 - 2.0 * y_idx)[:, None]

    def _binary(self, Z):
        # The same shared-exp formulation as training.BinaryObjective, on all M columns at once:
        # softplus(t) = max(t, 0) + log1p(exp(-|t|)),  sigmoid(t) = exp(min(t, 0)) / (1 + exp(-|t|)).
        T = Z
        T *= self.neg_s
        top = np.maximum(T, 0.0)
        np.minimum(T, 0.0, out=T)
        E = T - top
        losses = top.sum(axis=0)
        np.exp(E, out=E)
        np.log1p(E, out=top)
        losses += top.sum(axis=0)
        np.exp(T, out=T)
        E += 1.0
        np.divide(self.neg_s / self.n, E, out=E)
        T *= E
        return losses / self.n, T

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
        return losses, Z

    def __call__(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Per-model objective, shape (M,); writes the gradient into ``grad``."""
        d = self.d
        W = theta[:d]
        Z = self.X @ W
        if self.fit_intercept:
            Z += theta[d]
        if self.c == 1:
            losses, R = self._binary(Z)
        else:
            losses, R = self._softmax(Z)
        np.dot(self.X.T, R, out=grad[:d])
        grad[d] = R.sum(axis=0) if self.fit_intercept else 0.0
        if self.alpha:
            losses = losses + 0.5 * self.alpha * (W * W).reshape(d, self.m, self.c).sum(axis=(0, 2))
            grad[:d] += self.alpha * W
        return losses


@dataclass
class SweepResult:
    learning_rates: np.ndarray
    loss_curves: list[np.ndarray]  # one per rate, ending where that model diverged
    diverged_at: list[int | None]
    config: RunConfig

    @property
    def final_losses(self) -> np.ndarray:
        return np.array([c[-1] for c in self.loss_curves])

    @property
    def best_index(self) -> int | None:
        """The rate with the lowest final loss among those that did not diverge."""
        ok = [i for i, d in enumerate(self.diverged_at) if d is None]
        if not ok:
            return None
        return min(ok, key=lambda i: self.loss_curves[i][-1])

    @property
    def best_rate(self) -> float | None:
        i = self.best_index
        return None if i is None else float(self.learning_rates[i])


def sweep(
    data: Dataset,
    config: RunConfig,
    learning_rates,
    *,
    divergence_factor: float = 100.0,
    limits: Limits = DEFAULT_LIMITS,
    callback=None,
) -> SweepResult:
    """Train one full-batch model per learning rate on the same split and features as ``run``."""
    rates = np.asarray(learning_rates, dtype=np.float64)
    k = len(rates)
    check_work(data, config, limits, runs=k)
    train, _, _, Xtr = prepare(data, config)
    classes, y_idx = np.unique(train.y, return_inverse=True)
    if config.optimizer == "gd" and compiled.enabled():
        return _sweep_compiled(Xtr, y_idx, len(classes), rates, config, divergence_factor, callback)
    obj = StackedObjective(Xtr, y_idx, len(classes), k, config.alpha, config.fit_intercept)
    cols = obj.m * obj.c
    theta = np.zeros((obj.d + 1, cols))
    grad = np.zeros_like(theta)
    column_rates = np.repeat(rates, obj.c)
    opt = make_optimizer(config.optimizer, theta.shape, column_rates, momentum=config.momentum)
    curves = np.empty((config.max_iter + 1, k))
    losses = obj(theta, grad)
    curves[0] = losses
    limit = divergence_factor * np.maximum(losses, 1.0)
    alive = np.ones(k, dtype=bool)
    last = np.full(k, config.max_iter)
    diverged: list[int | None] = [None] * k
    prev = theta.copy()
    for it in range(1, config.max_iter + 1):
        np.copyto(prev, theta)
        with np.errstate(over="ignore", invalid="ignore"):
            opt.step(theta, grad)
            losses = obj(theta, grad)
        bad = alive & ~(losses <= limit)
        if bad.any():
            for m in np.flatnonzero(bad):
                diverged[m] = it
                last[m] = it - 1
            alive &= ~bad
            # Freeze diverged models at their last good weights: zero rate, finite values.
            frozen = np.repeat(~alive, obj.c)
            theta[:, frozen] = prev[:, frozen]
            column_rates[frozen] = 0.0
            grad[:, frozen] = 0.0
            losses = np.where(alive, losses, curves[it - 1])
        curves[it] = losses
        if callback is not None:
            callback(it, float(np.min(losses)))
        if not alive.any():
            break
    loss_curves = [curves[: last[m] + 1, m].copy() for m in range(k)]
    return SweepResult(rates, loss_curves, diverged, config)


def _sweep_compiled(X, y_idx, n_classes, rates, config: RunConfig, divergence_factor: float, callback) -> SweepResult:
    """:func:`sweep` for plain gradient descent, on the compiled kernels."""
    n, d = X.shape
    k = len(rates)
    rows = 1 if n_classes == 2 else n_classes
    panels = compiled.to_panels(np.asarray(X, dtype=np.float64))
    y = np.asarray(y_idx, dtype=np.int64)
    neg_s = 1.0 - 2.0 * y
    thetas = np.zeros((k, rows * (d + 1)))
    grads = np.zeros_like(thetas)
    losses = np.zeros(k)
    alive = np.ones(k, dtype=np.bool_)
    scratch = np.empty((rows + 3, compiled.BLOCK))
    fit_intercept, alpha = config.fit_intercept, float(config.alpha)
    state = (panels, n, neg_s, y, n_classes, thetas, alive, fit_intercept, alpha, grads, losses, scratch)
    compiled.models_pass(*state)
    curves = np.empty((config.max_iter + 1, k))
    curves[0] = losses
    limits = divergence_factor * np.maximum(losses, 1.0)
    diverged_at = np.zeros(k, dtype=np.int64)
    # Chunks of a few milliseconds, as in training, so that callbacks keep coming.
    chunk = max(1, 4_000_000 // (n * (d + 1) * k * rows))
    it = 0
    while it < config.max_iter and alive.any():
        last = min(it + chunk, config.max_iter)
        it = compiled.sweep_iterations(*state, rates, curves, limits, diverged_at, it + 1, last)
        if callback is not None:
            callback(it, float(np.min(curves[it])))
    diverged = [int(v) if v else None for v in diverged_at]
    loss_curves = [curves[: (it if v is None else v - 1) + 1, m].copy() for m, v in enumerate(diverged)]
    return SweepResult(np.asarray(rates, dtype=np.float64), loss_curves, diverged, config)
