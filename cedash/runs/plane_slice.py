"""The plane a 2-D chart shows of a model with more inputs: two chosen inputs vary, the others stay put.

The decision boundary of a model with d inputs lives in d dimensions; the
charts draw the slice through it where every other input is held at a typical
value of the training part: a number column at its mean, a category at its most
frequent value (all of a category's 0/1 columns together, so the held row is one
a table could really have). The slice says what it holds, so a chart can say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cedash.runs.experiment import RunResult


@dataclass(frozen=True)
class PlaneSlice:
    """``axes`` are the two inputs that vary; ``base`` is a whole input row holding every other one;
    ``held`` says in words what each held input is held at (empty for a model of two inputs)."""

    axes: tuple[int, int]
    base: np.ndarray
    held: tuple[str, ...]

    def inputs(self, plane: np.ndarray) -> np.ndarray:
        """Whole input rows for points ``(m, 2)`` of the plane."""
        rows = np.repeat(self.base[None, :], len(plane), axis=0)
        rows[:, list(self.axes)] = plane
        return rows

    def caption(self) -> str | None:
        if not self.held:
            return None
        return "Other inputs held at: " + ", ".join(self.held)


def _category_groups(result: RunResult) -> list[tuple[str, list[int], tuple[str, ...]]]:
    """For each text column of a table: (column, indices of its 0/1 inputs, the value each one marks)."""
    preparation = result.preparation
    if preparation is None:
        return []
    index = {name: i for i, name in enumerate(result.train.feature_names)}
    groups = []
    for step in preparation.steps:
        if step.is_text and step.outputs and all(o in index for o in step.outputs):
            groups.append((step.name, [index[o] for o in step.outputs], tuple(step.categories)))
    return groups


def _plain_number(value: float) -> str:
    """A number as a person writes it: 57,210 rather than 5.72e+04."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def plane_slice(result: RunResult, axes: tuple[int, int] = (0, 1)) -> PlaneSlice:
    """The slice through ``result``'s model along inputs ``axes``, the others at typical training values."""
    X = result.train.X
    names = result.train.feature_names
    if X.shape[1] < 2:
        raise ValueError("a plane needs at least two inputs")
    i, j = axes
    if not (0 <= i < X.shape[1] and 0 <= j < X.shape[1]) or i == j:
        raise ValueError(f"pick two different inputs out of {X.shape[1]}")
    base = X.mean(axis=0)
    held = []
    grouped = set()
    for column, members, values in _category_groups(result):
        grouped.update(members)
        if i in members or j in members:
            continue
        shares = base[members]
        if len(members) == 1:  # a two-valued column: one 0/1 input marking one of its values
            on = shares[0] >= 0.5
            base[members[0]] = 1.0 if on else 0.0
            held.append(f"{column} {'=' if on else '≠'} {values[0] if values else names[members[0]]}")
        else:
            top = int(np.argmax(shares))
            base[members] = 0.0
            base[members[top]] = 1.0
            held.append(f"{column} = {values[top] if top < len(values) else names[members[top]]}")
    for k in range(X.shape[1]):
        if k not in (i, j) and k not in grouped:
            held.append(f"{names[k]} at its mean {_plain_number(base[k])}")
    return PlaneSlice((i, j), base, tuple(held))
