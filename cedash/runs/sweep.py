"""Learning-rate sweep: K models with K learning rates, trained together.

Stacking the K weight vectors as the columns of one matrix
(:class:`cedash.model.objectives.StackedObjective`) turns K
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
from cedash.model.objectives import StackedObjective, outputs_per_model
from cedash.model.optimizers import make_optimizer
from cedash.model.training import CHUNK_WORK
from cedash.runs.experiment import check_work, prepare


def log_spaced_rates(low: float = 1e-3, high: float = 10.0, k: int = 12) -> np.ndarray:
    """``k`` learning rates evenly spaced on a log scale from ``low`` to ``high``."""
    return np.logspace(math.log10(low), math.log10(high), k)


# Within this share of the best final loss a sweep's rates count as reaching the same place.
SAME_LOSS_SHARE = 1e-3


@dataclass(frozen=True)
class RateSuggestion:
    """The sweep's suggestion: ``rate`` (index ``index``) is within ``SAME_LOSS_SHARE`` of the best final
    loss ``best_loss`` from iteration ``iterations`` on, sooner than any other rate."""

    index: int
    rate: float
    iterations: int
    best_loss: float

    def sentence(self) -> str:
        return (
            f"Suggested learning rate: {self.rate:.3g}. Of the rates that reach the lowest loss ({self.best_loss:.4g}, "
            f"to within {SAME_LOSS_SHARE:.1%}), it gets there fastest: in {self.iterations:,} iterations."
        )


def settled_at(curve: np.ndarray, level: float) -> int | None:
    """The iteration from which ``curve`` stays at or below ``level``, or None if it ends above it."""
    above = np.flatnonzero(curve > level)
    if len(above) == 0:
        return 0
    if above[-1] == len(curve) - 1:
        return None
    return int(above[-1] + 1)


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
    def suggestion(self) -> RateSuggestion | None:
        """The rate that reaches the lowest final loss (to within ``SAME_LOSS_SHARE``) in the fewest
        iterations, the smaller rate on a tie; diverged rates never count; None when all diverged.

        Several rates often end at the same loss to rounding; the lowest final loss alone would pick
        among them by rounding noise, while the fastest to get there is the one worth using.
        """
        ok = [i for i, d in enumerate(self.diverged_at) if d is None]
        if not ok:
            return None
        best = min(float(self.loss_curves[i][-1]) for i in ok)
        level = best + SAME_LOSS_SHARE * max(abs(best), 1e-12)
        reached = [(settled_at(self.loss_curves[i], level), i) for i in ok]
        iterations, index = min((it, i) for it, i in reached if it is not None)
        return RateSuggestion(index, float(self.learning_rates[index]), iterations, best)

    @property
    def best_index(self) -> int | None:
        """The suggested rate's index (see :attr:`suggestion`)."""
        s = self.suggestion
        return None if s is None else s.index

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
    check_work(data, config, limits, runs=len(rates))
    train, _, _, Xtr = prepare(data, config)
    classes, y_idx = np.unique(train.y, return_inverse=True)
    descend = _sweep_compiled if config.optimizer == "gd" and compiled.enabled() else _sweep_numpy
    curves, it, diverged_at = descend(Xtr, y_idx, len(classes), rates, config, divergence_factor, callback)
    diverged = [int(v) if v else None for v in diverged_at]
    loss_curves = [curves[: (it if v is None else v - 1) + 1, m].copy() for m, v in enumerate(diverged)]
    return SweepResult(rates, loss_curves, diverged, config)


def _curves_and_limits(initial_losses: np.ndarray, max_iter: int, divergence_factor: float):
    """Room for every model's loss curve, started, and the loss above which each model has diverged."""
    curves = np.empty((max_iter + 1, len(initial_losses)))
    curves[0] = initial_losses
    return curves, divergence_factor * np.maximum(initial_losses, 1.0)


def _sweep_numpy(X, y_idx, n_classes, rates, config: RunConfig, divergence_factor: float, callback):
    """All models as the columns of one :class:`StackedObjective`: ``(curves, last iteration, diverged_at)``."""
    k = len(rates)
    obj = StackedObjective(X, y_idx, n_classes, k, config.alpha, config.fit_intercept)
    theta = np.zeros((obj.d + 1, k * obj.c))
    grad = np.zeros_like(theta)
    # The optimiser keeps this array as its learning rate, so zeroing a column freezes that model.
    column_rates = np.repeat(rates, obj.c)
    opt = make_optimizer(config.optimizer, theta.shape, column_rates, momentum=config.momentum)
    curves, limits = _curves_and_limits(obj(theta, grad), config.max_iter, divergence_factor)
    alive = np.ones(k, dtype=bool)
    diverged_at = np.zeros(k, dtype=np.int64)
    prev = theta.copy()
    it = 0
    for it in range(1, config.max_iter + 1):
        np.copyto(prev, theta)
        with np.errstate(over="ignore", invalid="ignore"):
            opt.step(theta, grad)
            losses = obj(theta, grad)
        bad = alive & ~(losses <= limits)
        if bad.any():
            diverged_at[bad] = it
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
    return curves, it, diverged_at


def _sweep_compiled(X, y_idx, n_classes, rates, config: RunConfig, divergence_factor: float, callback):
    """:func:`_sweep_numpy` for plain gradient descent, on the compiled kernels."""
    n, d = X.shape
    k = len(rates)
    size = outputs_per_model(n_classes) * (d + 1)
    problem = compiled.make_problem(X, y_idx, n_classes, config.alpha, config.fit_intercept)
    models = compiled.Models(np.zeros((k, size)), np.zeros((k, size)), np.zeros(k), np.ones(k, dtype=np.bool_))
    compiled.models_pass(problem, models)
    curves, limits = _curves_and_limits(models.losses, config.max_iter, divergence_factor)
    schedule = compiled.Schedule(rates, limits, curves, np.zeros(k, dtype=np.int64))
    chunk = max(1, CHUNK_WORK // (n * size * k))
    it = 0
    while it < config.max_iter and models.alive.any():
        last = min(it + chunk, config.max_iter)
        it = compiled.sweep_iterations(problem, models, schedule, it + 1, last)
        if callback is not None:
            callback(it, float(np.min(curves[it])))
    return curves, it, schedule.diverged_at
