"""The training loop: one fused pass computes logits, loss and gradient, then a step.

Parameters live in one array ``theta`` of shape ``(d + 1, k)``: rows ``0..d-1``
are the weights, row ``d`` the intercept, and ``k`` is 1 for a sigmoid model or
the number of classes for a softmax model. Keeping them together lets every
optimiser update everything with one in-place operation.

Both objectives take the compiled single-pass kernels of :mod:`cedash.model.compiled`
when numba is there; what follows describes the numpy path used otherwise.

The numpy path's speed comes from four things, all measured in ``benchmarks/bench_train.py``:
labels are folded into a sign (``-s`` with ``s = 2y - 1``) so the binary loss is
a single ``softplus`` of one array; ``softplus`` and ``sigmoid`` are built from
numpy's vectorised ``exp``/``log1p`` rather than scalar-looped ufuncs; ``X`` is
stored column-major so both matrix-vector products stream it; and every
temporary is allocated once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from cedash.model import compiled
from cedash.model.optimizers import make_optimizer

# The compiled kernels take both label forms; each objective passes an empty array for the one it lacks.
NO_LABELS = np.zeros(0, dtype=np.int64)
NO_SIGNS = np.zeros(0)

# Below this many samples each numpy call costs more than the per-element work, so
# the binary objective uses fewer calls (scalar-looped logaddexp and expit) instead.
FEW_SAMPLES = 128


class BinaryObjective:
    """Mean binary cross-entropy (from logits) plus ``alpha/2 |w|^2``, with its gradient."""

    def __init__(self, X: np.ndarray, y01: np.ndarray, alpha: float, fit_intercept: bool):
        self.n, self.d = X.shape
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        # -s: the loss is softplus(-s z) and its derivative in z is -s*sigmoid(-s z).
        self.neg_s = 1.0 - 2.0 * np.asarray(y01, dtype=np.float64)
        self.compiled = compiled.enabled()
        if self.compiled:
            self.panels = compiled.to_panels(np.asarray(X, dtype=np.float64))
            self.scratch = np.empty((1, compiled.BLOCK))
            return
        self.X = np.asfortranarray(X, dtype=np.float64)
        # Folding 1/n into the sign saves a pass over the gradient.
        self.neg_s_over_n = self.neg_s / self.n
        self.t = np.empty(self.n)
        self.buf = np.empty(self.n)
        self.few = self.n < FEW_SAMPLES
        if not self.few:
            self.e = np.empty(self.n)
            # np.maximum/np.minimum against a scalar miss numpy's SIMD loop; against an
            # array they hit it and run about 1.6x faster, which is worth n zeros and n ones.
            self.zeros = np.zeros(self.n)
            self.ones = np.ones(self.n)

    def kernel_args(self, theta: np.ndarray, grad: np.ndarray) -> tuple:
        """The leading arguments of the compiled kernels (:func:`cedash.model.compiled.objective_pass`,
        :func:`cedash.model.compiled.descend`) for C-ordered ``(d + 1, 1)`` arrays, which they update in place."""
        return (self.panels, self.n, self.neg_s, NO_LABELS, 2, theta.reshape(-1), self.fit_intercept,
                float(self.alpha), grad.reshape(-1), self.scratch)  # fmt: skip

    def __call__(self, theta: np.ndarray, grad: np.ndarray) -> float:
        if self.compiled:
            return compiled.objective_pass(*self.kernel_args(theta, grad))
        d = self.d
        w = theta[:d, 0]
        t, buf = self.t, self.buf
        np.dot(self.X, w, out=t)
        if self.fit_intercept:
            t += theta[d, 0]
        t *= self.neg_s
        if self.few:
            np.logaddexp(0.0, t, out=buf)
            loss = float(np.add.reduce(buf)) / self.n
            expit(t, out=buf)
        else:
            loss = self._softplus_sum_and_sigmoid(t, buf) / self.n
        buf *= self.neg_s_over_n  # the residual dloss/dz, already divided by n
        np.dot(buf, self.X, out=grad[:d, 0])
        grad[d, 0] = np.add.reduce(buf) if self.fit_intercept else 0.0
        if self.alpha:
            loss += 0.5 * self.alpha * float(w @ w)
            grad[:d, 0] += self.alpha * w
        return loss

    def _softplus_sum_and_sigmoid(self, t: np.ndarray, out: np.ndarray) -> float:
        """``sum(softplus(t))``, with ``sigmoid(t)`` left in ``out``; ``t`` is overwritten."""
        # np.exp and np.log1p run numpy's SIMD loops, while np.logaddexp and scipy's expit
        # call scalar libm per element and cost 5-20x more. So softplus and sigmoid are
        # rebuilt from e = exp(-|t|), which lies in (0, 1] and never overflows:
        #   softplus(t) = max(t, 0) + log1p(e)
        #   sigmoid(t)  = h / (1 + e),  h = exp(min(t, 0)) = min(e + ceil(max(t, 0)), 1)
        # The ceil is 0 where t <= 0 and at least 1 where t > 0, so h is e or 1 exactly,
        # without a second exp. Both keep full relative precision in the tails, and
        # sigmoid(0) is exactly 1/2, so a residual that is zero in exact arithmetic gives
        # an exactly zero gradient.
        e = self.e
        np.maximum(t, self.zeros, out=out)
        total = float(np.add.reduce(out))
        np.ceil(out, out=out)
        np.abs(t, out=t)
        np.negative(t, out=t)
        np.exp(t, out=e)
        np.log1p(e, out=t)
        total += float(np.add.reduce(t))
        out += e
        np.minimum(out, self.ones, out=out)
        e += 1.0
        out /= e
        return total


class SoftmaxObjective:
    """Mean categorical cross-entropy (from logits) plus ``alpha/2 |W|^2``, with its gradient."""

    def __init__(self, X: np.ndarray, y_idx: np.ndarray, n_classes: int, alpha: float, fit_intercept: bool):
        self.n, self.d = X.shape
        self.k = n_classes
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.compiled = compiled.enabled()
        if self.compiled:
            self.panels = compiled.to_panels(np.asarray(X, dtype=np.float64))
            self.y = np.asarray(y_idx, dtype=np.int64)
            self.scratch = np.empty((n_classes + 3, compiled.BLOCK))
            return
        self.X = X
        self.rows = np.arange(self.n)
        self.y = y_idx
        self.Z = np.empty((self.n, self.k))

    def kernel_args(self, theta: np.ndarray, grad: np.ndarray) -> tuple:
        """As :meth:`BinaryObjective.kernel_args`, for C-ordered ``(d + 1, k)`` arrays."""
        return (self.panels, self.n, NO_SIGNS, self.y, self.k, theta.reshape(-1), self.fit_intercept,
                float(self.alpha), grad.reshape(-1), self.scratch)  # fmt: skip

    def __call__(self, theta, grad):
        if self.compiled:
            return compiled.objective_pass(*self.kernel_args(theta, grad))
        d, n = self.d, self.n
        W = theta[:d]
        Z = self.Z
        np.dot(self.X, W, out=Z)
        if self.fit_intercept:
            Z += theta[d]
        Z -= Z.max(axis=1, keepdims=True)
        true_logit = Z[self.rows, self.y]
        np.exp(Z, out=Z)
        total = Z.sum(axis=1)
        loss = float(np.sum(np.log(total) - true_logit)) / n
        Z /= total[:, None]
        Z[self.rows, self.y] -= 1.0
        Z /= n
        np.dot(self.X.T, Z, out=grad[:d])
        if self.fit_intercept:
            Z.sum(axis=0, out=grad[d])
        else:
            grad[d] = 0.0
        if self.alpha:
            loss += 0.5 * self.alpha * float(np.sum(W * W))
            grad[:d] += self.alpha * W
        return loss


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
    mini-batch steps over a fresh shuffle. ``loss_curve[i]`` is the full
    training objective after ``i`` iterations (``loss_curve[0]`` at ``theta0``).

    Training stops early when the loss turns non-finite or rises above
    ``divergence_factor`` times its starting value (``max(start, 1)``); the
    weights and curve then end at the last iterate that passed that test, so
    nothing non-finite leaves this function.
    """
    theta = np.array(theta0, dtype=np.float64, order="C")
    grad = np.zeros_like(theta)
    opt = make_optimizer(optimizer, theta.shape, learning_rate, momentum=momentum)
    stride = history_stride(max_iter, max_snapshots)
    if batch_size is None and getattr(objective, "compiled", False) and optimizer in compiled.OPTIMIZER_CODES:
        return _train_compiled(
            objective, theta, grad, optimizer, learning_rate, momentum, max_iter, tol, n_iter_no_change,
            divergence_factor, stride, callback,
        )  # fmt: skip
    losses = np.empty(max_iter + 1)
    hist_iters = []
    hist_theta = []
    diverged_at = reason = None
    prev_theta = theta.copy()

    loss = objective(theta, grad)
    if not math.isfinite(loss):
        raise FloatingPointError("the loss is not finite at the initial weights; check the data for huge values")
    limit = divergence_factor * max(loss, 1.0)
    losses[0] = loss
    hist_iters.append(0)
    hist_theta.append(theta.copy())
    no_change = 0
    it = 0
    n = getattr(objective, "n", None)
    for it in range(1, max_iter + 1):
        if batch_size is None:
            np.copyto(prev_theta, theta)
            opt.step(theta, grad)
            loss = objective(theta, grad)
        else:
            np.copyto(prev_theta, theta)
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                batch = make_batch_objective(order[start : start + batch_size])
                batch(theta, grad)
                opt.step(theta, grad)
            loss = objective(theta, grad)
        if not loss <= limit:  # also true for NaN
            diverged_at = it
            reason = divergence_reason(loss, divergence_factor)
            np.copyto(theta, prev_theta)
            it -= 1
            break
        losses[it] = loss
        if it % stride == 0 or it == max_iter:
            hist_iters.append(it)
            hist_theta.append(theta.copy())
        if callback is not None:
            callback(it, loss)
        if tol is not None:
            no_change = no_change + 1 if losses[it - 1] - loss < tol else 0
            if no_change >= n_iter_no_change:
                break
    if hist_iters[-1] != it:
        hist_iters.append(it)
        hist_theta.append(theta.copy())
    return TrainingTrace(
        theta=theta,
        loss_curve=losses[: it + 1].copy(),
        history_iterations=np.asarray(hist_iters),
        history_theta=np.stack(hist_theta),
        diverged_at=diverged_at,
        divergence_reason=reason,
    )


# Work per compiled chunk, in multiply-adds over X: a few milliseconds, so that
# progress callbacks keep coming and an interrupt is never far away.
CHUNK_WORK = 4_000_000


def _train_compiled(objective, theta, grad, optimizer, learning_rate, momentum, max_iter, tol, n_iter_no_change,
                    divergence_factor, stride, callback) -> TrainingTrace:  # fmt: skip
    """:func:`train` for full-batch training, with the iteration loop compiled."""
    losses = np.empty(max_iter + 1)
    history = np.empty((max_iter // stride + 1, theta.size))
    loss = objective(theta, grad)
    if not math.isfinite(loss):
        raise FloatingPointError("the loss is not finite at the initial weights; check the data for huge values")
    limit = divergence_factor * max(loss, 1.0)
    losses[0] = loss
    history[0] = theta.reshape(-1)
    args = objective.kernel_args(theta, grad)
    tol_value = -math.inf if tol is None else float(tol)
    patience = max_iter + 1 if tol is None else int(n_iter_no_change)
    chunk = max(1, CHUNK_WORK // (objective.n * theta.size))
    rule = (compiled.OPTIMIZER_CODES.index(optimizer), float(learning_rate), float(momentum))
    state, steps = np.zeros((2, theta.size)), np.zeros(1, dtype=np.int64)
    it, status, no_change = 0, 0, 0
    while status == 0 and it < max_iter:
        last = min(it + chunk, max_iter)
        it, status, no_change, loss = compiled.descend(
            *args, *rule, state, steps, losses, it + 1, last, limit, tol_value, patience, no_change, history, stride
        )
        if callback is not None and it > 0:
            callback(it, float(losses[it]))
    kept = np.arange(0, it + 1, stride)
    hist_theta = history[: len(kept)]
    if kept[-1] != it:
        kept = np.append(kept, it)
        hist_theta = np.concatenate([hist_theta, theta.reshape(1, -1)])
    diverged = status == 1
    return TrainingTrace(
        theta=theta,
        loss_curve=losses[: it + 1].copy(),
        history_iterations=kept,
        history_theta=hist_theta.reshape(len(kept), *theta.shape).copy(),
        diverged_at=it + 1 if diverged else None,
        divergence_reason=divergence_reason(loss, divergence_factor) if diverged else None,
    )
