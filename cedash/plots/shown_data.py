"""Which part of the data a chart shows: the plane around the points, and a sample when there are too many."""

from __future__ import annotations

import numpy as np

from cedash.runs.experiment import RunResult
from cedash.runs.plane_slice import plane_slice

# More points than this make the browser slow to draw and hover; the charts draw a seeded sample.
MAX_POINTS = 20_000


def input_grid(
    result: RunResult, resolution: int, axes: tuple[int, int] = (0, 1)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``resolution`` x ``resolution`` grid over inputs ``axes``, a little wider than the data.

    Returns the x ticks, the y ticks and the grid points as ``(resolution**2, 2)`` rows, x varying fastest.
    """
    cols = list(axes)
    parts = [result.train.X[:, cols]] + ([result.test.X[:, cols]] if result.test is not None else [])
    X = np.vstack(parts)
    lo, hi = X.min(axis=0), X.max(axis=0)
    # Written so that data near the float limit (1e308) cannot overflow: no hi - lo, no lo - pad.
    big = np.finfo(np.float64).max
    pad = np.where(hi > lo, 0.08 * hi - 0.08 * lo, 1.0)
    start = np.maximum(lo, -big + pad) - pad
    stop = np.minimum(hi, big - pad) + pad
    t = np.linspace(0.0, 1.0, resolution)
    gx = start[0] * (1 - t) + stop[0] * t
    gy = start[1] * (1 - t) + stop[1] * t
    xx, yy = np.meshgrid(gx, gy)
    return gx, gy, np.column_stack([xx.ravel(), yy.ravel()])


def sample_note(n: int, limit: int) -> str | None:
    """What a chart says when it draws a sample of the points instead of all of them."""
    if n <= limit:
        return None
    return f"showing a random sample of {limit:,} of the {n:,} points"


def sample_indices(n: int, limit: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``limit`` of ``n`` rows: all of them, or a seeded random choice."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def grid_inputs(result: RunResult, plane: np.ndarray, axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    """Whole model input rows for points of the chart's plane: the slice through the model (other inputs
    held at typical values) when it has more than the two inputs shown."""
    if result.train.n_features == 2 and tuple(axes) == (0, 1):
        return plane
    return plane_slice(result, axes).inputs(plane)


def held_note(result: RunResult, axes: tuple[int, int] = (0, 1)) -> str | None:
    """What a chart of the plane ``axes`` says about the inputs it does not show, if there are any."""
    if result.train.n_features <= 2:
        return None
    return plane_slice(result, axes).caption()


def default_axes(X: np.ndarray) -> tuple[int, int]:
    """The two inputs a chart of the plane shows first: the first two that take more than two values.

    A yes/no or category input (0/1) as an axis puts every point on one of two lines; the age or the income
    of a table spreads them out. Inputs with two values or fewer make up the pair only when needed.
    """
    spread = [k for k in range(X.shape[1]) if np.unique(X[:, k]).size > 2]
    rest = [k for k in range(X.shape[1]) if k not in spread]
    first, second = (spread + rest)[:2]
    return first, second
