"""The compiled fast path for cross-entropy: one pass over ``X`` per iteration.

The numpy objective (:class:`cedash.model.objectives.StackedObjective`) reads ``X`` twice per iteration
(``X @ w``, then ``r @ X``) and makes about a dozen passes over n-long
temporaries in between, each a separate numpy call. Here numba compiles a loop
that walks ``X`` in blocks of ``BLOCK`` rows: logits for the block, then the
loss and residuals, then the block's share of the gradient while the block is
still in cache. ``X`` leaves memory once per iteration and no n-long temporary
exists. The binary kernel (sigmoid) and the softmax kernel share those steps.
For full-batch training with any of the four optimisers, and for
learning-rate sweeps, the whole iteration loop is compiled too, so small data
sets pay no per-iteration Python cost.

Two details decide the speed. ``exp`` and ``log1p`` from libm are scalar calls
that stop LLVM from vectorising the loop, so :func:`exp_nonpositive` and
:func:`log1p_unit` are written out as polynomials over the only ranges the loss
needs (:func:`log_at_least_one` reduces a softmax's sum to the same
``log1p``); they are accurate to about one and two units in the last place.
``tests/test_compiled.py`` holds them to numpy over their whole range, and
``benchmarks/bench_train.py`` shows the speed they buy. And the
functions use numpy's error model: with Python's, every division checks for
zero and raises, which also blocks vectorisation.

On a big two-class problem one pass is split across the cores
(:func:`split_pass`), each run of blocks in a Python thread of its own.

numba is a runtime requirement, but everything
falls back to the numpy objective if it cannot be imported, and
``CEDASH_COMPILED=0`` in the environment (or :func:`disabled`) turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from cedash.model.optimizers import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON

# numba is imported by load(), when the compiled path is first wanted, not with this module: the import
# costs a fresh server's first page (trained on the numpy path meanwhile, see cedash.runs.warm_up) most
# of a second that it has no use for.
AVAILABLE = importlib.util.find_spec("numba") is not None
_enabled = AVAILABLE and os.environ.get("CEDASH_COMPILED", "1") != "0"
_kernels: list = []  # (function, fastmath) of every kernel, in the order defined; load() hands them to numba
_loading = threading.Lock()
_loaded = False

# Rows per block: 1024 rows of 20 float64 features are 160 kB, which stays in
# L2 between the forward and the backward half of the block. 512 to 2048 were
# within 15% of each other at 1e6 x 20; 1024 was the best of them.
BLOCK = 1024

LOG2E = 1.4426950408889634
# ln 2 split in two so that k * LN2_HI is exact for the k that occur (|k| < 1100).
LN2_HI = 0.6931471803691238
LN2_LO = 1.9082149292705877e-10
LN2 = 0.6931471805599453

# The kernels take their many arguments in these groups; numba passes a named tuple as a plain struct.


class Problem(NamedTuple):
    """What a pass over the data needs besides the parameters.

    Columns of ``X`` that hold two values only (the 0/1 inputs that yes/no and
    category columns become, standardised or not) are packed eight to a byte,
    a bit per column saying which of its two values a row holds; the others stay
    float64 panels. A pass is bound by reading ``X`` from memory, and a million
    rows of 15 numbers and 15 such inputs are then 122 bytes a row instead of
    240. The packed columns' share of a row's logit is one lookup per byte in a
    table of the 256 sums its bits can make, and their gradient one addition
    per byte into a sum per bit pattern, folded into the weights' gradient once
    per pass.
    """

    panels: np.ndarray  # the other columns of X, in the layout of to_panels
    codes: np.ndarray  # the two-valued columns packed by pack_two_valued
    dense: np.ndarray  # the column of X (and of the weights) of each panel row
    two: np.ndarray  # the column of X of each packed bit, PACK to a byte
    two_values: np.ndarray  # (len(two), 2): each two-valued column's value at bit 0 and at bit 1
    d: int  # X's column count
    n: int  # X's true row count
    neg_s: np.ndarray  # 1 - 2y for two classes, empty otherwise
    y: np.ndarray  # class indices (int64)
    n_classes: int
    fit_intercept: bool
    alpha: float
    scratch: np.ndarray  # working memory: 1 row of BLOCK for two classes, n_classes + 3 otherwise


class Rule(NamedTuple):
    """An update rule of :mod:`cedash.model.optimizers` and its memory."""

    code: int  # index in OPTIMIZERS
    learning_rate: float
    momentum: float
    state: np.ndarray  # (2, size): the velocity, or Adam's two moments
    steps: np.ndarray  # steps[0]: Adam's step count


class Stopping(NamedTuple):
    """When full-batch descent stops before its last iteration."""

    limit: float  # diverged once the loss is above this (or NaN)
    tol: float  # converged after `patience` improvements below tol in a row; -inf never
    patience: int


class Record(NamedTuple):
    """Where descent writes the loss at every iteration and the parameters at every ``stride``-th."""

    losses: np.ndarray
    history: np.ndarray
    stride: int


class Models(NamedTuple):
    """Several models trained side by side, one row each; dead models are skipped."""

    thetas: np.ndarray
    grads: np.ndarray
    losses: np.ndarray
    alive: np.ndarray


class Schedule(NamedTuple):
    """A sweep's learning rate and divergence limit per model, and where its curves and divergences go."""

    rates: np.ndarray
    limits: np.ndarray
    curves: np.ndarray  # (iterations + 1, models)
    diverged_at: np.ndarray  # 0 while alive, else the iteration that diverged


def wanted() -> bool:
    """Whether the compiled path is on, without importing numba to find out."""
    return _enabled


def enabled() -> bool:
    """Whether new objectives take the compiled path (the first time it is on, this imports numba)."""
    return _enabled and load()


def load() -> bool:
    """Import numba and make every kernel a numba function; False (and the compiled path off) without numba.

    Each kernel still compiles, or comes from numba's disk cache, on its first call.
    """
    global AVAILABLE, _enabled, _loaded
    if _loaded:
        return AVAILABLE
    with _loading:
        if not _loaded:
            try:
                from numba import njit
            except ImportError:  # installed but broken, e.g. built for another numpy
                AVAILABLE = _enabled = False
            else:
                for function, fastmath in _kernels:
                    globals()[function.__name__] = njit(fastmath=fastmath, error_model="numpy", cache=True, nogil=True)(
                        function
                    )
            _loaded = True
    return AVAILABLE


def set_enabled(flag: bool) -> None:
    """Turn the compiled path on or off for objectives built from now on (on only where numba is there)."""
    global _enabled
    _enabled = bool(flag) and AVAILABLE


@contextlib.contextmanager
def disabled():
    """Use the numpy path inside the ``with`` block (for comparisons and benchmarks)."""
    global _enabled
    old, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = old


def to_panels(X: np.ndarray, dtype=np.float64) -> np.ndarray:
    """``X`` (n, d) as blocks of ``BLOCK`` rows, each stored column by column.

    Within a block each feature is a contiguous run of rows, so the logits
    vectorise across rows; and each block is one contiguous piece of memory, so
    reading it is a single stream (d separate column streams, as in a plain
    column-major ``X``, read at half the bandwidth once d is around 20). The last
    block is padded with zeros that the kernel never reads.
    """
    n, d = X.shape
    blocks = -(-n // BLOCK)
    panels = np.zeros((blocks, d, BLOCK), dtype=dtype)
    full = n // BLOCK
    panels[:full] = X[: full * BLOCK].reshape(full, BLOCK, d).transpose(0, 2, 1)
    if full < blocks:
        panels[full, :, : n - full * BLOCK] = X[full * BLOCK :].T
    return panels


PACK = 8
"""Two-valued columns per byte of :attr:`Problem.codes`: a lookup table of 2^8 sums stays in the L1 cache."""

PACK_MIN_ROWS = 4 * BLOCK
"""Below this many rows ``X`` fits in cache and packing its two-valued columns buys nothing."""


def two_valued_columns(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The columns of ``X`` holding exactly two values, bit for bit, and those values (the first row's first)."""
    bits = np.asarray(X, dtype=np.float64).view(np.int64)
    columns, values = [], []
    for j in range(bits.shape[1]):
        column = bits[:, j]
        other = column != column[0]
        if other.any():
            second = column[np.argmax(other)]
            if np.all(column[other] == second):
                columns.append(j)
                values.append((column[0], second))
    return np.array(columns, dtype=np.int64), np.array(values, dtype=np.int64).reshape(-1, 2).view(np.float64)


def pack_two_valued(X: np.ndarray, two_values: np.ndarray) -> np.ndarray:
    """The columns of ``X`` (each holding its two ``two_values`` only) as bits, laid out as :func:`to_panels` does.

    Bit ``b`` of byte ``g`` of a row is 1 where column ``PACK * g + b`` holds its second value.
    """
    second = np.asarray(X, dtype=np.float64).view(np.int64) == two_values.view(np.int64)[:, 1]
    codes = np.zeros((X.shape[0], -(-X.shape[1] // PACK)), dtype=np.uint8)
    for j in range(X.shape[1]):
        codes[:, j // PACK] |= second[:, j].astype(np.uint8) << np.uint8(j % PACK)
    return to_panels(codes, dtype=np.uint8)


def make_problem(X, y_idx, n_classes: int, alpha: float, fit_intercept: bool, pack: bool | None = None) -> Problem:
    """The :class:`Problem` of training on ``X`` with class indices ``y_idx``.

    Two-valued columns are packed when ``pack`` is true; by default from :data:`PACK_MIN_ROWS` rows on.
    """
    y = np.asarray(y_idx, dtype=np.int64)
    neg_s = 1.0 - 2.0 * y if n_classes == 2 else np.zeros(0)
    X = np.asarray(X, dtype=np.float64)
    if pack is None:
        pack = X.shape[0] >= PACK_MIN_ROWS
    two, two_values = two_valued_columns(X) if pack else (np.zeros(0, np.int64), np.zeros((0, 2)))
    dense = np.setdiff1d(np.arange(X.shape[1]), two).astype(np.int64)
    # Fixed Python types, so that every call meets the same compiled signature.
    return Problem(
        panels=to_panels(X[:, dense]),
        codes=pack_two_valued(X[:, two], two_values),
        dense=dense,
        two=two,
        two_values=two_values,
        d=int(X.shape[1]),
        n=int(X.shape[0]),
        neg_s=neg_s,
        y=y,
        n_classes=int(n_classes),
        fit_intercept=bool(fit_intercept),
        alpha=float(alpha),
        scratch=np.empty((1 if n_classes == 2 else n_classes + 3, BLOCK)),
    )


def _compile(fastmath):
    # Reordering is allowed only where it is harmless (sums, so that they vectorise);
    # the polynomial helpers keep their exact evaluation order.
    def kernel(function):
        _kernels.append((function, fastmath))

        @functools.wraps(function)
        def before_load(*args):
            # load() rebinds the kernel's name in this module, which is where numba (and compiled.name) looks it up.
            if not load():
                raise RuntimeError("numba cannot be imported, so the compiled kernels cannot run")
            return globals()[function.__name__](*args)

        return before_load

    return kernel


if AVAILABLE:
    _exact = _compile({"contract"})
    _sums = _compile({"contract", "reassoc"})

    # exp and log1p are polynomials here, not libm calls: a libm call per element keeps
    # LLVM from vectorising the loops around it. The exactness tests in
    # tests/test_compiled.py (one to four ulp over the whole range the kernels use) and
    # benchmarks/bench_train.py (the cedash column against numpy) are what justify them.
    # Both are Horner chains of the same shape with different coefficients, written out line
    # by line on purpose: a shared helper looping over a coefficient tuple stops vectorising.
    @_exact
    def exp_nonpositive(a):
        """``exp(a)`` for ``a <= 0``; below -708 it returns ``exp(-708)``, about 3e-308."""
        a = max(a, -708.0)
        k = math.floor(a * LOG2E + 0.5)
        r = a - k * LN2_HI - k * LN2_LO  # |r| <= ln2 / 2
        # Taylor series to r^13 / 13!: the next term is below 2e-17 relative. Written out
        # because a loop over a tuple of coefficients stops the caller vectorising (7x slower).
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        # 2^k built from its exponent bits; k >= -1022 keeps it a normal number.
        return p * np.int64((np.int64(k) + 1023) << 52).view(np.float64)

    @_exact
    def log1p_unit(e):
        """``log1p(e)`` for ``exp(-708) <= e <= 1``, exactly ``ln 2`` at ``e = 1``."""
        # log1p(e) = 2 atanh(u) with u = e / (2 + e) <= 1/3, and atanh's odd series
        # u + u^3/3 + u^5/5 + ... converges by a factor u^2 <= 1/9 per term.
        u = e / (2.0 + e)
        v = u * u
        s = 1.0 / 33.0
        s = s * v + 1.0 / 31.0
        s = s * v + 1.0 / 29.0
        s = s * v + 1.0 / 27.0
        s = s * v + 1.0 / 25.0
        s = s * v + 1.0 / 23.0
        s = s * v + 1.0 / 21.0
        s = s * v + 1.0 / 19.0
        s = s * v + 1.0 / 17.0
        s = s * v + 1.0 / 15.0
        s = s * v + 1.0 / 13.0
        s = s * v + 1.0 / 11.0
        s = s * v + 1.0 / 9.0
        s = s * v + 1.0 / 7.0
        s = s * v + 1.0 / 5.0
        s = s * v + 1.0 / 3.0
        s = s * v + 1.0
        # Every model starts at logit 0, so make its first loss exactly ln 2.
        return LN2 if e == 1.0 else 2.0 * u * s

    @_sums
    def _residuals(t, neg_s, m, scale):
        """Turn logits ``t[:m]`` into ``scale * dloss/dz`` in place; return the summed loss.

        ``neg_s`` is ``1 - 2y``, so the loss of a row is ``softplus(neg_s * z)``.
        """
        total = 0.0
        for i in range(m):
            s = neg_s[i]
            u = s * t[i]
            e = exp_nonpositive(-abs(u))
            total += max(u, 0.0) + log1p_unit(e)
            # sigmoid(u) = 1/(1+e) for u > 0 and e/(1+e) otherwise: both exact in the tails.
            h = 1.0 if u > 0.0 else e
            t[i] = scale * s * h / (1.0 + e)
        return total

    # Both halves take four features per sweep over the block: one load and store of
    # t (or one load of t) then serves four columns, which at 1e3 x 20 made the pass
    # 1.3x faster than one column per sweep.
    @_sums
    def _logits(problem, p, theta, b, t, m, tables):
        """The logits of block ``p``'s rows into ``t[:m]``; ``tables`` from :func:`_code_tables`."""
        panel, dense = problem.panels[p], problem.dense
        d = dense.shape[0]
        for i in range(m):
            t[i] = b
        j = 0
        while j + 4 <= d:
            c0, c1, c2, c3 = panel[j], panel[j + 1], panel[j + 2], panel[j + 3]
            w0, w1, w2, w3 = theta[dense[j]], theta[dense[j + 1]], theta[dense[j + 2]], theta[dense[j + 3]]
            for i in range(m):
                t[i] += c0[i] * w0 + c1[i] * w1 + c2[i] * w2 + c3[i] * w3
            j += 4
        while j < d:
            c0, w0 = panel[j], theta[dense[j]]
            for i in range(m):
                t[i] += c0[i] * w0
            j += 1
        codes = problem.codes[p]
        for g in range(codes.shape[0]):
            code, table = codes[g], tables[g]
            for i in range(m):
                t[i] += table[code[i]]

    @_sums
    def _accumulate_gradient(problem, p, r, grad, m, sums):
        """Add block ``p``'s share of ``X.T @ r`` to ``grad``; the packed columns' share goes to ``sums``."""
        panel, dense = problem.panels[p], problem.dense
        d = dense.shape[0]
        j = 0
        while j + 4 <= d:
            c0, c1, c2, c3 = panel[j], panel[j + 1], panel[j + 2], panel[j + 3]
            a0 = a1 = a2 = a3 = 0.0
            for i in range(m):
                ri = r[i]
                a0 += ri * c0[i]
                a1 += ri * c1[i]
                a2 += ri * c2[i]
                a3 += ri * c3[i]
            grad[dense[j]] += a0
            grad[dense[j + 1]] += a1
            grad[dense[j + 2]] += a2
            grad[dense[j + 3]] += a3
            j += 4
        while j < d:
            c0 = panel[j]
            a0 = 0.0
            for i in range(m):
                a0 += r[i] * c0[i]
            grad[dense[j]] += a0
            j += 1
        codes = problem.codes[p]
        for g in range(codes.shape[0]):
            code, lanes = codes[g], sums[g]
            # Four sums per bit pattern, for rows i % 4: consecutive rows with one pattern
            # then add to different places and need not wait for each other.
            i = 0
            while i + 4 <= m:
                lanes[0, code[i]] += r[i]
                lanes[1, code[i + 1]] += r[i + 1]
                lanes[2, code[i + 2]] += r[i + 2]
                lanes[3, code[i + 3]] += r[i + 3]
                i += 4
            while i < m:
                lanes[0, code[i]] += r[i]
                i += 1

    @_exact
    def _code_tables(problem, theta, tables):
        """Into ``tables[g, code]``: the share of the logit of byte ``g`` of packed columns holding bits ``code``."""
        two, values = problem.two, problem.two_values
        for g in range(tables.shape[0]):
            width = min(PACK, two.shape[0] - g * PACK)
            for code in range(1 << width):
                total = 0.0
                for bit in range(width):
                    j = g * PACK + bit
                    total += values[j, (code >> bit) & 1] * theta[two[j]]
                tables[g, code] = total

    @_exact
    def _fold_sums(problem, sums, grad):
        """Add the packed columns' gradient to ``grad``: each column's value under each bit pattern times the
        residuals summed over the rows with that pattern."""
        two, values = problem.two, problem.two_values
        for g in range(sums.shape[0]):
            width = min(PACK, two.shape[0] - g * PACK)
            for code in range(1 << width):
                total = sums[g, 0, code] + sums[g, 1, code] + sums[g, 2, code] + sums[g, 3, code]
                for bit in range(width):
                    j = g * PACK + bit
                    grad[two[j]] += total * values[j, (code >> bit) & 1]

    @_exact
    def _packed_memory(problem, outputs):
        """Lookup tables (see :func:`_code_tables`) and zeroed sums (see :func:`_accumulate_gradient`) for each of
        ``outputs`` sets of weights."""
        groups = problem.codes.shape[1]
        return np.empty((outputs, groups, 1 << PACK)), np.zeros((outputs, groups, 4, 1 << PACK))

    @_sums
    def binary_pass(problem, theta, grad):
        """Mean loss at ``theta`` (weights then intercept), with its gradient left in ``grad``."""
        for j in range(problem.d + 1):
            grad[j] = 0.0
        tables, sums = _packed_memory(problem, 1)
        _code_tables(problem, theta, tables[0])
        total = binary_blocks(problem, theta, tables[0], problem.scratch[0], grad, sums[0], 0, problem.panels.shape[0])
        return binary_finish(problem, theta, grad, sums[0], total)

    @_sums
    def binary_blocks(problem, theta, tables, t, grad, sums, first, last):
        """Blocks ``first..last - 1`` of :func:`binary_pass`: their summed loss (not yet divided by ``n``) is
        returned, their share of the gradient added to ``grad`` and ``sums``; ``t`` is a row of ``BLOCK``."""
        n, neg_s, d = problem.n, problem.neg_s, problem.d
        b = theta[d] if problem.fit_intercept else 0.0
        inv_n = 1.0 / n
        total = 0.0
        for k in range(first, last):
            start = k * BLOCK
            m = min(BLOCK, n - start)
            _logits(problem, k, theta, b, t, m, tables)
            total += _residuals(t, neg_s[start : start + m], m, inv_n)
            rb = 0.0
            for i in range(m):
                rb += t[i]
            grad[d] += rb
            _accumulate_gradient(problem, k, t, grad, m, sums)
        return total

    @_sums
    def binary_finish(problem, theta, grad, sums, total):
        """The mean loss from every block's summed ``total``, with the packed columns and the penalty in ``grad``."""
        d, alpha = problem.d, problem.alpha
        _fold_sums(problem, sums, grad)
        if not problem.fit_intercept:
            grad[d] = 0.0
        loss = total * (1.0 / problem.n)
        if alpha != 0.0:
            sq = 0.0
            for j in range(d):
                sq += theta[j] * theta[j]
                grad[j] += alpha * theta[j]
            loss += 0.5 * alpha * sq
        return loss

    @_sums
    def objective_pass(problem, theta, grad):
        """Loss and gradient for flat parameters in ``train``'s ``(d + 1, k)`` C order, either objective."""
        if problem.n_classes == 2:
            return binary_pass(problem, theta, grad)
        shape = (problem.d + 1, problem.n_classes)
        return softmax_pass(problem, theta.reshape(shape).T, grad.reshape(shape).T)

    @_exact
    def _step(rule, theta, grad):
        """One update of ``theta`` by the rules of :mod:`cedash.model.optimizers`."""
        learning_rate, momentum = rule.learning_rate, rule.momentum
        velocity, second = rule.state[0], rule.state[1]
        size = theta.size
        if rule.code == 0:
            for j in range(size):
                theta[j] -= learning_rate * grad[j]
        elif rule.code == 1 or rule.code == 2:
            for j in range(size):
                velocity[j] = momentum * velocity[j] + grad[j]
                step = velocity[j] if rule.code == 1 else grad[j] + momentum * velocity[j]
                theta[j] -= learning_rate * step
        else:
            rule.steps[0] += 1
            t = rule.steps[0]
            rate = learning_rate * math.sqrt(1.0 - ADAM_BETA2**t) / (1.0 - ADAM_BETA1**t)
            eps = ADAM_EPSILON * math.sqrt(1.0 - ADAM_BETA2**t)
            for j in range(size):
                velocity[j] = ADAM_BETA1 * velocity[j] + (1.0 - ADAM_BETA1) * grad[j]
                second[j] = ADAM_BETA2 * second[j] + (1.0 - ADAM_BETA2) * grad[j] * grad[j]
                theta[j] -= rate * velocity[j] / (math.sqrt(second[j]) + eps)

    @_exact
    def descend(problem, theta, grad, rule, stopping, record, first, last, no_change):
        """Full-batch steps ``first..last``, mirroring :func:`cedash.model.training.train`.

        ``grad`` must hold the gradient at ``theta`` on entry. Returns ``(last
        iteration kept, status, no_change, last loss computed)``: status 0 (all
        done), 1 (diverged: ``theta`` is back at the last kept iterate) or 2
        (converged by ``stopping.tol``; ``tol = -inf`` never stops early).
        """
        prev = theta.copy()
        losses, history, stride = record.losses, record.history, record.stride
        for it in range(first, last + 1):
            prev[:] = theta
            _step(rule, theta, grad)
            loss = objective_pass(problem, theta, grad)
            if not loss <= stopping.limit:  # also true for NaN
                theta[:] = prev
                return it - 1, 1, no_change, loss
            losses[it] = loss
            if it % stride == 0:
                history[it // stride, :] = theta
            no_change = no_change + 1 if losses[it - 1] - loss < stopping.tol else 0
            if no_change >= stopping.patience:
                return it, 2, no_change, loss
        return last, 0, no_change, losses[last]

    @_sums
    def sweep_pass(problem, models):
        """:func:`binary_pass` for every live model (row of ``models.thetas``) in one walk over ``X``.

        Each block of ``X`` is read from memory once and serves all models while it
        is in cache. Rows of ``losses`` and ``grads`` of dead models are left alone.
        """
        n, neg_s, fit_intercept, alpha, d = problem.n, problem.neg_s, problem.fit_intercept, problem.alpha, problem.d
        thetas, grads, losses, alive = models
        t = problem.scratch[0]
        n_models = thetas.shape[0]
        inv_n = 1.0 / n
        tables, sums = _packed_memory(problem, n_models)
        for k in range(n_models):
            if alive[k]:
                losses[k] = 0.0
                grads[k, :] = 0.0
                _code_tables(problem, thetas[k], tables[k])
        for p in range(problem.panels.shape[0]):
            start = p * BLOCK
            m = min(BLOCK, n - start)
            signs = neg_s[start : start + m]
            for k in range(n_models):
                if not alive[k]:
                    continue
                theta = thetas[k]
                grad = grads[k]
                _logits(problem, p, theta, theta[d] if fit_intercept else 0.0, t, m, tables[k])
                losses[k] += _residuals(t, signs, m, inv_n)
                rb = 0.0
                for i in range(m):
                    rb += t[i]
                grad[d] += rb
                _accumulate_gradient(problem, p, t, grad, m, sums[k])
        for k in range(n_models):
            if not alive[k]:
                continue
            _fold_sums(problem, sums[k], grads[k])
            losses[k] *= inv_n
            if not fit_intercept:
                grads[k, d] = 0.0
            if alpha != 0.0:
                sq = 0.0
                for j in range(d):
                    sq += thetas[k, j] * thetas[k, j]
                    grads[k, j] += alpha * thetas[k, j]
                losses[k] += 0.5 * alpha * sq

    @_sums
    def models_pass(problem, models):
        """Loss and gradient of every live model; a model's parameters are one row of ``models.thetas``.

        Two classes: a row is the weights then the intercept, and :func:`sweep_pass`
        serves all models from each block. More: a row is ``n_classes`` such rows
        one after the other, passed to :func:`softmax_pass` model by model.
        """
        if problem.n_classes == 2:
            sweep_pass(problem, models)
            return
        thetas, grads, losses, alive = models
        shape = (problem.n_classes, problem.d + 1)
        for k in range(thetas.shape[0]):
            if alive[k]:
                losses[k] = softmax_pass(problem, thetas[k].reshape(shape), grads[k].reshape(shape))

    @_exact
    def sweep_iterations(problem, models, schedule, first, last):
        """Full-batch steps ``first..last`` for every live model, mirroring :func:`cedash.runs.sweep.sweep`.

        A model whose loss is non-finite or above its limit is frozen at its last
        good weights, marked in ``schedule.diverged_at`` and skipped from then on.
        Returns the last iteration done (earlier than ``last`` once no model is left).
        """
        thetas, grads, losses, alive = models
        rates, limits, curves, diverged_at = schedule
        prev = thetas.copy()
        for it in range(first, last + 1):
            for k in range(thetas.shape[0]):
                if alive[k]:
                    prev[k, :] = thetas[k]
                    for j in range(thetas.shape[1]):
                        thetas[k, j] -= rates[k] * grads[k, j]
            models_pass(problem, models)
            any_alive = False
            for k in range(thetas.shape[0]):
                if alive[k] and not losses[k] <= limits[k]:  # also true for NaN
                    alive[k] = False
                    diverged_at[k] = it
                    thetas[k, :] = prev[k]
                if alive[k]:
                    curves[it, k] = losses[k]
                    any_alive = True
                else:
                    curves[it, k] = curves[it - 1, k]
            if not any_alive:
                return it
        return last

    @_exact
    def score_rows(Z, y, losses, correct):
        """Add each model's summed cross-entropy to ``losses`` and its right predictions to ``correct``.

        ``Z`` holds the logits of many models, (rows, models, outputs): one
        sigmoid output or one per class; ``y`` the rows' class indices. A sigmoid
        predicts class 1 above 0, a softmax the first of its largest logits.
        """
        if Z.shape[2] == 1:
            _score_sigmoid(Z.reshape(Z.shape[0], Z.shape[1]), y, losses, correct)
        else:
            _score_softmax(Z, y, losses, correct)

    @_sums
    def _score_sigmoid(Z, y, losses, correct):
        for i in range(Z.shape[0]):
            s = 1.0 - 2.0 * y[i]
            positive = y[i] == 1
            for k in range(Z.shape[1]):
                z = Z[i, k]
                u = s * z
                losses[k] += max(u, 0.0) + log1p_unit(exp_nonpositive(-abs(u)))
                correct[k] += 1.0 if (z > 0.0) == positive else 0.0

    @_sums
    def _score_softmax(Z, y, losses, correct):
        for i in range(Z.shape[0]):
            label = y[i]
            for k in range(Z.shape[1]):
                z = Z[i, k]
                best = 0
                for c in range(1, z.shape[0]):
                    if z[c] > z[best]:
                        best = c
                total = 0.0
                for c in range(z.shape[0]):
                    total += exp_nonpositive(z[c] - z[best])
                losses[k] += log_at_least_one(total) + z[best] - z[label]
                correct[k] += 1.0 if best == label else 0.0

    @_exact
    def log_at_least_one(s):
        """``log(s)`` for ``s >= 1``: ``k ln 2 + log1p(f - 1)`` with ``s = 2^k f`` and ``1 <= f < 2``."""
        bits = np.float64(s).view(np.int64)
        k = (bits >> 52) - 1023
        f = np.int64((bits & 0xFFFFFFFFFFFFF) | (1023 << 52)).view(np.float64)
        return k * LN2 + log1p_unit(f - 1.0)

    @_sums
    def _softmax_residuals(scratch, labels, n_classes, m, inv_n):
        """Turn a block's logits (``scratch[:n_classes, :m]``) into ``dloss/dz``; return its summed loss.

        The next three rows of ``scratch`` hold each row's largest logit, sum of
        exponentials and true-class logit.
        """
        z = scratch[:n_classes]
        top, total, true_logit = scratch[n_classes], scratch[n_classes + 1], scratch[n_classes + 2]
        for i in range(m):
            top[i] = z[0, i]
            true_logit[i] = z[labels[i], i]
        for c in range(1, n_classes):
            row = z[c]
            for i in range(m):
                top[i] = max(top[i], row[i])
        for i in range(m):
            total[i] = 0.0
        for c in range(n_classes):
            row = z[c]
            for i in range(m):
                row[i] = exp_nonpositive(row[i] - top[i])
                total[i] += row[i]
        block_loss = 0.0
        for i in range(m):
            block_loss += log_at_least_one(total[i]) + top[i] - true_logit[i]
            total[i] = inv_n / total[i]
        # dloss/dz = (softmax - onehot) / n
        for c in range(n_classes):
            row = z[c]
            for i in range(m):
                row[i] *= total[i]
        for i in range(m):
            z[labels[i], i] -= inv_n
        return block_loss

    @_sums
    def softmax_pass(problem, weights, grads):
        """Mean categorical cross-entropy at ``weights`` (one row per class: weights then intercept).

        The gradient goes to ``grads`` (same shape). ``problem.scratch`` has ``K + 3``
        rows. Every loop runs over rows with the class loop outside, so that it
        vectorises across rows as in the binary kernel.
        """
        n, y, fit_intercept, alpha, d = problem.n, problem.y, problem.fit_intercept, problem.alpha, problem.d
        scratch, n_classes = problem.scratch, weights.shape[0]
        inv_n = 1.0 / n
        z = scratch[:n_classes]
        grads[:, :] = 0.0
        tables, sums = _packed_memory(problem, n_classes)
        for c in range(n_classes):
            _code_tables(problem, weights[c], tables[c])
        loss = 0.0
        for p in range(problem.panels.shape[0]):
            start = p * BLOCK
            m = min(BLOCK, n - start)
            for c in range(n_classes):
                _logits(problem, p, weights[c], weights[c, d] if fit_intercept else 0.0, z[c], m, tables[c])
            loss += _softmax_residuals(scratch, y[start : start + m], n_classes, m, inv_n)
            for c in range(n_classes):
                rb = 0.0
                row = z[c]
                for i in range(m):
                    rb += row[i]
                grads[c, d] += rb
                _accumulate_gradient(problem, p, row, grads[c], m, sums[c])
        for c in range(n_classes):
            _fold_sums(problem, sums[c], grads[c])
        loss *= inv_n
        if not fit_intercept:
            grads[:, d] = 0.0
        if alpha != 0.0:
            sq = 0.0
            for c in range(n_classes):
                for j in range(d):
                    sq += weights[c, j] * weights[c, j]
                    grads[c, j] += alpha * weights[c, j]
            loss += 0.5 * alpha * sq
        return loss


# -- one pass in several threads ---------------------------------------------------------------------------------------
# At a million rows a pass is a few tens of milliseconds of streaming X, and one core cannot draw all the
# memory bandwidth: the blocks are split into consecutive runs, one thread each, and their sums added. The
# kernels release the GIL, so these are plain Python threads; unlike numba's parallel=True (whose default
# threading layer must not be entered from two threads at once), any number of Streamlit sessions may
# train at the same time, each pass with its own memory.

SPLIT_MIN_WORK = 4_000_000
"""Multiply-adds over ``X`` per pass (rows times parameters) from which a two-class pass is split across threads:
below it the pass takes a millisecond or two and handing half of it to another thread would not pay."""

MAX_PARTS = 4
"""The most threads one pass is split across."""

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pass_parts(problem: Problem) -> int:
    """How many threads :func:`split_pass` uses for ``problem``: 1 (the single-thread kernel) unless the problem
    has two classes, enough rows times parameters, and the machine more than one core."""
    if problem.n_classes != 2 or problem.n * (problem.d + 1) < SPLIT_MIN_WORK:
        return 1
    return max(1, min(MAX_PARTS, _cpus(), problem.panels.shape[0]))


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, _cpus()), thread_name_prefix="cedash-pass")
        return _pool


def split_pass(problem: Problem, theta: np.ndarray, grad: np.ndarray, parts: int) -> float:
    """:func:`binary_pass` with the blocks split into ``parts`` runs, each in its own thread (the caller's
    included). The numbers equal the single-thread pass's but for the order of the sums (rounding only)."""
    blocks = problem.panels.shape[0]
    bounds = np.linspace(0, blocks, parts + 1).round().astype(np.int64)
    tables, sums = _packed_memory(problem, parts)
    _code_tables(problem, theta, tables[0])
    grads = np.zeros((parts, problem.d + 1))
    scratch = np.empty((parts, BLOCK))

    def blocks_of(i):
        return binary_blocks(problem, theta, tables[0], scratch[i], grads[i], sums[i], bounds[i], bounds[i + 1])

    others = [_workers().submit(blocks_of, i) for i in range(1, parts)]
    total = blocks_of(0)
    for future in others:
        total += future.result()
    np.sum(grads, axis=0, out=grad)
    return binary_finish(problem, theta, grad, np.sum(sums, axis=0), total)


def step(rule: Rule, theta: np.ndarray, grad: np.ndarray) -> None:
    """One update of the flat ``theta`` by ``rule``, as :func:`descend` makes it (for loops run from Python)."""
    _step(rule, theta, grad)


SCORE_SPLIT_MIN = 1_000_000
"""Logits from which :func:`score_logits` splits its rows across threads (a few tens of milliseconds of work)."""


def score_logits(Z: np.ndarray, y: np.ndarray, losses: np.ndarray, correct: np.ndarray) -> None:
    """:func:`score_rows`, with the rows of a big ``Z`` split across threads (their sums added in another order)."""
    parts = max(1, min(MAX_PARTS, _cpus(), len(Z))) if Z.size >= SCORE_SPLIT_MIN else 1
    if parts == 1:
        score_rows(Z, y, losses, correct)
        return
    bounds = np.linspace(0, len(Z), parts + 1).round().astype(np.int64)
    sums = np.zeros((parts, 2, losses.size))

    def rows_of(i):
        part = slice(bounds[i], bounds[i + 1])
        score_rows(Z[part], y[part], sums[i, 0], sums[i, 1])

    others = [_workers().submit(rows_of, i) for i in range(1, parts)]
    rows_of(0)
    for future in others:
        future.result()
    losses += sums[:, 0].sum(axis=0)
    correct += sums[:, 1].sum(axis=0)
