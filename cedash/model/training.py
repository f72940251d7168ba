"""The training loop: from starting weights, steps of an update rule on an objective, with the loss recorded.

Objectives (:mod:`cedash.model.objectives`) are called as ``objective(theta, grad)``:
they return the loss at ``theta`` and leave its gradient in ``grad``. Full-batch
training on a compiled objective runs its whole iteration loop in
:func:`cedash.model.compiled.descend`, unless the objective splits each pass across
threads (a big two-class problem, see :func:`cedash.model.compiled.pass_parts`): that
loop, like mini-batch training or any training without numba, runs here. Both start
and end the same way (:func:`_start`, :func:`_finish`), so their results agree number
for number (a split pass only adds its sums in another order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cedash.model import compiled
from cedash.model.optimizers import OPTIMIZERS, make_optimizer


@dataclass
class TrainingTrace:
    """What one run of :func:`train` leaves behind."""

    theta: np.ndarray
    loss_curve: np.ndarray
    history_iterations: np.ndarray
    history_theta: np.ndarray
    diverged_at: int | None = None
    divergence_reason: str | None = None
    extra: dict = field(default_factory=dict)


def divergence_reason(loss: float, divergence_factor: float) -> str:
    if not math.isfinite(loss):
        return "the loss became infinite or NaN"
    return f"the loss rose above {divergence_factor:g} times its starting value"


def history_stride(max_iter: int, max_snapshots: int) -> int:
    """Keep every ``stride``-th weight vector so a run stores at most ``max_snapshots`` of them."""
    return max(1, math.ceil(max_iter / max(1, max_snapshots - 1)))


@dataclass
class _Start:
    """What both loops share from the start: where losses and snapshots go, and the divergence limit."""

    losses: np.ndarray  # losses[i]: the objective after i iterations
    history: np.ndarray  # row i: the flat weights after i * stride iterations
    stride: int
    limit: float


def _start(objective, theta, grad, max_iter: int, max_snapshots: int, divergence_factor: float) -> _Start:
    """Evaluate the objective at the initial weights (gradient into ``grad``) and set up the records."""
    loss = objective(theta, grad)
    if not math.isfinite(loss):
        raise FloatingPointError("the loss is not finite at the initial weights; check the data for huge values")
    stride = history_stride(max_iter, max_snapshots)
    start = _Start(np.empty(max_iter + 1), np.empty((max_iter // stride + 1, theta.size)), stride,
                   divergence_factor * max(loss, 1.0))  # fmt: skip
    start.losses[0] = loss
    start.history[0] = theta.reshape(-1)
    return start


def _finish(theta, start: _Start, it: int, diverged_loss, divergence_factor: float) -> TrainingTrace:
    """The trace of a run that kept ``it`` iterations; ``diverged_loss`` is the loss that stopped it, if any."""
    kept = np.arange(0, it + 1, start.stride)
    hist_theta = start.history[: len(kept)]
    if kept[-1] != it:
        kept = np.append(kept, it)
        hist_theta = np.concatenate([hist_theta, theta.reshape(1, -1)])
    diverged = diverged_loss is not None
    return TrainingTrace(
        theta=theta,
        loss_curve=start.losses[: it + 1].copy(),
        history_iterations=kept,
        history_theta=hist_theta.reshape(len(kept), *theta.shape).copy(),
        diverged_at=it + 1 if diverged else None,
        divergence_reason=divergence_reason(diverged_loss, divergence_factor) if diverged else None,
    )


def train(
    objective,
    theta0: np.ndarray,
    *,
    optimizer: str = "gd",
    learning_rate: float = 0.1,
    momentum: float = 0.9,
    max_iter: int = 1000,
    tol: float | None = None,
    n_iter_no_change: int = 5,
    batch_size: int | None = None,
    make_batch_objective=None,
    rng: np.random.Generator | None = None,
    divergence_factor: float = 100.0,
    max_snapshots: int = 2001,
    callback=None,
) -> TrainingTrace:
    """Minimise ``objective`` from ``theta0`` and record the loss at every iteration.

    One iteration is one full-batch step, or with ``batch_size`` one epoch of
    mini-batch steps over a fresh shuffle (``make_batch_objective(rows)`` gives
    the objective of those rows). ``loss_curve[i]`` is the full training
    objective after ``i`` iterations (``loss_curve[0]`` at ``theta0``).

    Training stops early when the loss turns non-finite or rises above
    ``divergence_factor`` times its starting value (``max(start, 1)``); the
    weights and curve then end at the last iterate that passed that test, so
    nothing non-finite leaves this function.
    """
    theta = np.array(theta0, dtype=np.float64, order="C")
    grad = np.zeros_like(theta)
    opt = make_optimizer(optimizer, theta.shape, learning_rate, momentum=momentum)
    start = _start(objective, theta, grad, max_iter, max_snapshots, divergence_factor)
    stopping = compiled.Stopping(start.limit, -math.inf if tol is None else float(tol),
                                 max_iter + 1 if tol is None else int(n_iter_no_change))  # fmt: skip
    if batch_size is None and getattr(objective, "compiled", False):
        rule = compiled.Rule(OPTIMIZERS.index(optimizer), float(learning_rate), float(momentum),
                             np.zeros((2, theta.size)), np.zeros(1, dtype=np.int64))  # fmt: skip
        if getattr(objective, "parts", 1) > 1:
            # A pass split across threads is started from Python; at its size (tens of milliseconds a pass)
            # the loop's own cost is lost in the noise.
            iterate = _compiled_step(objective, rule)
            it, diverged_loss = _descend(iterate, theta, grad, stopping, start, max_iter, callback)
        else:
            it, diverged_loss = _descend_compiled(objective, theta, grad, rule, stopping, start, max_iter, callback)
    else:
        if batch_size is None:
            iterate = _full_batch_step(objective, opt)
        else:
            iterate = _mini_batch_epoch(objective, opt, batch_size, make_batch_objective, rng)
        it, diverged_loss = _descend(iterate, theta, grad, stopping, start, max_iter, callback)
    return _finish(theta, start, it, diverged_loss, divergence_factor)


def _full_batch_step(objective, opt):
    def iterate(theta, grad):
        opt.step(theta, grad)
        return objective(theta, grad)

    return iterate


def _compiled_step(objective, rule):
    def iterate(theta, grad):
        compiled.step(rule, theta.reshape(-1), grad.reshape(-1))
        return objective(theta, grad)

    return iterate


def _mini_batch_epoch(objective, opt, batch_size: int, make_batch_objective, rng):
    def iterate(theta, grad):
        order = rng.permutation(objective.n)
        for first in range(0, objective.n, batch_size):
            make_batch_objective(order[first : first + batch_size])(theta, grad)
            opt.step(theta, grad)
        return objective(theta, grad)

    return iterate


def _descend(iterate, theta, grad, stopping, start: _Start, max_iter: int, callback):
    """Run ``iterate(theta, grad) -> loss`` up to ``max_iter`` times: ``(iterations kept, loss that diverged)``.

    ``grad`` holds the full objective's gradient at ``theta`` between iterations.
    """
    prev_theta = theta.copy()
    losses, no_change = start.losses, 0
    for it in range(1, max_iter + 1):
        np.copyto(prev_theta, theta)
        loss = iterate(theta, grad)
        if not loss <= stopping.limit:  # also true for NaN
            np.copyto(theta, prev_theta)
            return it - 1, loss
        losses[it] = loss
        if it % start.stride == 0:
            start.history[it // start.stride] = theta.reshape(-1)
        if callback is not None:
            callback(it, loss)
        no_change = no_change + 1 if losses[it - 1] - loss < stopping.tol else 0
        if no_change >= stopping.patience:
            return it, None
    return max_iter, None


# Work per compiled chunk, in multiply-adds over X: a few milliseconds, so that
# progress callbacks keep coming and an interrupt is never far away.
CHUNK_WORK = 4_000_000


def _descend_compiled(objective, theta, grad, rule, stopping, start: _Start, max_iter: int, callback):
    """:func:`_descend` for full-batch steps, with the iteration loop compiled and run in chunks."""
    record = compiled.Record(start.losses, start.history, start.stride)
    flat_theta, flat_grad = theta.reshape(-1), grad.reshape(-1)
    chunk = max(1, CHUNK_WORK // (objective.n * theta.size))
    it, status, no_change = 0, 0, 0
    while status == 0 and it < max_iter:
        last = min(it + chunk, max_iter)
        it, status, no_change, loss = compiled.descend(
            objective.problem, flat_theta, flat_grad, rule, stopping, record, it + 1, last, no_change
        )
        if callback is not None and it > 0:
            callback(it, float(start.losses[it]))
    return it, (loss if status == 1 else None)
