"""The fitted preparation: how the feature columns of a table become the numbers a model trains on.

Fitting learns, from the rows it is given (the training part, so nothing of
the test part leaks in): each column's fill value (the median of a number
column, the most frequent value of a text column) and each text column's
categories. Transforming then gives one column per number or date column,
one 0/1 column per two-valued column (1 for the value it marks), and one 0/1
column per category (a value not seen when fitting gives 0 in all of them).
Standardising and polynomial terms come after, in the feature map.

The numbers equal scikit-learn's ``SimpleImputer`` and ``OneHotEncoder(handle_unknown="ignore")``
fitted on the same rows (``tests/test_table_preparation.py`` checks this). It is
written with numpy because those run on Python objects: on a million rows of
five text columns they took over 20 s, this takes under 2 s. The fitted state is
plain values, so a saved model carries it as JSON and predicts with this same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cedash.data.columns import (
    DATE,
    EMPTY,
    FEATURE,
    NUMBER,
    TARGET,
    TWO_VALUES,
    ColumnInfo,
    ColumnPlan,
    dates_to_days,
    is_missing_text,
    read_column,
)
from cedash.data.dataset import DataError, Dataset

Values = Mapping[str, "np.ndarray | pd.Categorical"]
"""Feature columns by name: float64 with NaN where missing, or a Categorical of strings."""


@dataclass(frozen=True)
class ColumnStep:
    """What one feature column becomes: ``categories`` are the training values of a text column (for a
    two-valued column, the one value it marks); ``fill`` replaces a missing value."""

    name: str
    kind: str
    fill: float | str
    categories: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()

    @property
    def is_text(self) -> bool:
        return self.kind not in (NUMBER, DATE)


@dataclass(frozen=True)
class Preparation:
    """Fitted steps, one per feature column in the table's order, and notes on what fitting did."""

    plan: ColumnPlan
    steps: tuple[ColumnStep, ...]
    notes: tuple[str, ...] = ()

    @classmethod
    def fit(cls, plan: ColumnPlan, values: Values) -> Preparation:
        steps = [_fit_step(info.name, info.kind, info.marked, values[info.name]) for info in plan.features]
        steps = _unique_outputs(steps)
        notes = []
        if plan.missing == "fill":
            filled = [_fill_note(s, values[s.name]) for s in steps]
            filled = [note for note in filled if note]
            if filled:
                notes.append("missing values filled from the training part: " + ", ".join(filled))
        return cls(plan, tuple(steps), tuple(notes))

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(name for s in self.steps for name in s.outputs)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    def transform(self, values: Values) -> np.ndarray:
        """The model inputs, float64 of shape (rows, len(output_names)); missing values get the fill values."""
        n = len(values[self.steps[0].name]) if self.steps else 0
        # Column-major: every output is written as one contiguous column, and the feature map reads it so.
        X = np.empty((n, len(self.output_names)), order="F")
        at = 0
        for step in self.steps:
            column = values[step.name]
            width = len(step.outputs)
            if not step.is_text:
                x = np.asarray(column, dtype=np.float64)
                np.copyto(X[:, at], x)
                np.copyto(X[:, at], step.fill, where=np.isnan(x))
            else:
                position = _positions(step, column)
                for k in range(width):
                    np.equal(position, k, out=X[:, at + k], casting="unsafe")
            at += width
        return X

    def unseen(self, values: Values) -> dict[str, tuple[int, str]]:
        """Text columns with values the fit never saw: the number of such rows and the first such value."""
        out = {}
        for step in self.steps:
            if not step.is_text:
                continue
            column = values[step.name]
            known = pd.Index(step.categories).get_indexer(column.categories) >= 0
            codes = column.codes
            bad = (codes >= 0) & ~known[np.maximum(codes, 0)]
            if bad.any():
                out[step.name] = (int(bad.sum()), str(column.categories[codes[np.argmax(bad)]]))
        return out

    def to_dict(self) -> dict:
        steps = [
            {
                "column": s.name,
                "kind": s.kind,
                "fill": s.fill,
                "categories": list(s.categories),
                "outputs": list(s.outputs),
            }
            for s in self.steps
        ]
        return {"columns": self.plan.to_dict(), "steps": steps}

    @classmethod
    def from_dict(cls, d: Mapping) -> Preparation:
        plan = ColumnPlan.from_dict(d["columns"])
        steps = tuple(
            ColumnStep(s["column"], s["kind"], s["fill"], tuple(s["categories"]), tuple(s["outputs"]))
            for s in d["steps"]
        )
        return cls(plan, steps)


def _fit_step(name: str, kind: str, marked: str | None, column) -> ColumnStep:
    if kind in (NUMBER, DATE):
        x = np.asarray(column, dtype=np.float64)
        fill = float(np.median(x[~np.isnan(x)])) if not np.isnan(x).all() else 0.0
        return ColumnStep(name, kind, fill, (), (name,))
    counts = np.bincount(column.codes[column.codes >= 0], minlength=len(column.categories))
    seen = np.flatnonzero(counts)
    # Ties go to the value that sorts first, as scikit-learn's SimpleImputer(strategy="most_frequent") does.
    by_count = sorted(seen, key=lambda i: (-counts[i], column.categories[i]))
    fill = str(column.categories[by_count[0]]) if by_count else (marked or "")
    if kind == TWO_VALUES:
        # The value marked 1 comes first; the other, if the rows hold it, second: a third value is unseen.
        others = tuple(str(column.categories[i]) for i in seen if column.categories[i] != marked)
        return ColumnStep(name, kind, fill, (marked, *others[:1]), (f"{name}={marked}",))
    categories = tuple(sorted(str(column.categories[i]) for i in seen))
    return ColumnStep(name, kind, fill, categories, tuple(f"{name}={c}" for c in categories))


def _positions(step: ColumnStep, column: pd.Categorical) -> np.ndarray:
    """For every row, which of the step's 0/1 columns is 1 (-1 for none): missing values take the fill value."""
    lookup = pd.Index(step.categories).get_indexer(column.categories)
    fill = step.categories.index(step.fill) if step.fill in step.categories else -1
    codes = column.codes
    position = np.where(codes >= 0, lookup[np.maximum(codes, 0)] if len(lookup) else -1, fill)
    if step.kind == TWO_VALUES:
        return np.where(position == 0, 0, -1)
    return position


def _unique_outputs(steps: list[ColumnStep]) -> list[ColumnStep]:
    # A column already called "sex=male" beside a column "sex" would give two inputs of one name.
    taken: set[str] = set()
    out = []
    for step in steps:
        names = []
        for name in step.outputs:
            unique, k = name, 2
            while unique in taken:
                unique, k = f"{name} ({k})", k + 1
            taken.add(unique)
            names.append(unique)
        out.append(replace(step, outputs=tuple(names)))
    return out


def _fill_note(step: ColumnStep, column) -> str:
    if step.is_text:
        n = int((column.codes < 0).sum())
        return f"{step.name!r} with its most frequent value {step.fill!r} ({_rows(n)})" if n else ""
    n = int(np.isnan(np.asarray(column, dtype=np.float64)).sum())
    return f"{step.name!r} with its median {step.fill:g} ({_rows(n)})" if n else ""


def _rows(n: int) -> str:
    return f"{n:,} training row" + ("" if n == 1 else "s")


# -- the table behind a data set ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSource:
    """The table a :class:`Dataset` was prepared from: the column roles, the feature columns' values in the
    Dataset's row order, each row's line in the file, and the preparation fitted on these rows."""

    plan: ColumnPlan
    values: Values
    lines: np.ndarray
    preparation: Preparation
    row_notes: tuple[str, ...] = field(default=())

    def take(self, rows: np.ndarray) -> tuple[dict, np.ndarray]:
        return {name: column[rows] for name, column in self.values.items()}, self.lines[rows]


def table_dataset(plan: ColumnPlan, values: Values, lines: np.ndarray, y: np.ndarray, name: str, notes=()) -> Dataset:
    """A Dataset whose X is the preparation fitted on all of its rows, keeping the table to refit on a part."""
    preparation = Preparation.fit(plan, values)
    X = preparation.transform(values)
    table = TableSource(plan, values, lines, preparation, tuple(notes))
    return Dataset(X, y, preparation.output_names, plan.target, name, tuple(notes), table=table)


def prepared_parts(data: Dataset, train_rows: np.ndarray, test_rows: np.ndarray | None, notes=()):
    """Train and test parts of a table-backed ``data``, prepared by a preparation fitted on the training rows only.

    Notes say what the fit filled in and which test rows hold a category the training part never had.
    """
    table = data.table
    train_values, train_lines = table.take(train_rows)
    preparation = Preparation.fit(table.plan, train_values)
    names = preparation.output_names

    def part(values, lines, rows, suffix, part_notes):
        source = TableSource(table.plan, values, lines, preparation, table.row_notes)
        X = preparation.transform(values)
        return Dataset(X, data.y[rows], names, data.target_name, f"{data.name} ({suffix})", part_notes, table=source)

    notes = (*notes, *preparation.notes)
    if test_rows is None:
        return part(train_values, train_lines, train_rows, "train", notes), None
    test_values, test_lines = table.take(test_rows)
    notes += tuple(
        f"{n:,} test row{'s' if n > 1 else ''} hold a value of {column!r} the training part does not have "
        f"(such as {value!r}), so every {column}= input is 0 there"
        for column, (n, value) in preparation.unseen(test_values).items()
    )
    train = part(train_values, train_lines, train_rows, "train", notes)
    return train, part(test_values, test_lines, test_rows, "test", notes)


def check_width(plan: ColumnPlan, values: Values, most: int) -> None:
    """Refuse a preparation that would make more model inputs than ``most``."""
    width = sum(
        1 if info.kind in (NUMBER, DATE, TWO_VALUES) else len(values[info.name].categories) for info in plan.features
    )
    if width > most:
        raise DataError(
            f"the chosen columns make {width:,} model inputs, more than the limit of {most:,}; "
            "leave out some columns or lower the category limit"
        )


def numeric_preparation(inputs, target: str) -> Preparation:
    """The preparation of data that came as numbers: each input is used as it is, and a missing one is refused."""
    columns = [ColumnInfo(name, NUMBER, FEATURE, "numbers") for name in inputs]
    plan = ColumnPlan((*columns, ColumnInfo(target, NUMBER, TARGET, "the column to predict")), target)
    return Preparation(plan, tuple(ColumnStep(name, NUMBER, float("nan"), (), (name,)) for name in inputs))


def new_rows(preparation: Preparation, names: list[str], frame: pd.DataFrame, lines: np.ndarray, decimal_comma=False):
    """The feature columns of a new table in the form :meth:`Preparation.transform` takes, or a DataError naming
    the column that is missing or was never seen, the cell that does not fit, or the value never seen in training."""
    known = {c.name for c in preparation.plan.columns}
    unknown = [nm for nm in names if nm not in known]
    if unknown:
        raise DataError(
            f"column {unknown[0]!r} was not in the table the model was trained on; remove it, or train a model "
            "that uses it"
        )
    absent = [s.name for s in preparation.steps if s.name not in names]
    if absent:
        listed = ", ".join(repr(nm) for nm in absent)
        raise DataError(f"the model needs the column{'s' if len(absent) > 1 else ''} {listed}; add it to the table")
    values = {}
    for step in preparation.steps:
        cells = frame[names.index(step.name)]
        column = _new_column(step, cells, lines, decimal_comma)
        missing = column.codes < 0 if step.is_text else np.isnan(column)
        if missing.any() and (preparation.plan.missing != "fill" or not _fillable(step)):
            raise DataError(
                f"line {int(lines[np.argmax(missing)]):,} has no value in {step.name!r} and the model was trained "
                "without filling missing values; fill it in, or train with missing values filled"
            )
        values[step.name] = column
    unseen = preparation.unseen(values)
    if unseen:
        name, (_, value) = next(iter(unseen.items()))
        step = next(s for s in preparation.steps if s.name == name)
        row = int(np.argmax(np.asarray(values[name] == value)))
        shown = ", ".join(repr(c) for c in step.categories[:5]) + (", ..." if len(step.categories) > 5 else "")
        raise DataError(
            f"line {int(lines[row]):,} has {value!r} in {name!r}, a value the model never saw in training "
            f"(it knows {shown}); use one of those"
        )
    return values


def _fillable(step: ColumnStep) -> bool:
    return step.is_text or not np.isnan(step.fill)


def _new_column(step: ColumnStep, cells: pd.Series, lines: np.ndarray, decimal_comma: bool):
    if step.is_text:
        if cells.dtype.kind == "b":
            cells = pd.Series(np.where(cells.to_numpy(dtype=bool), "True", "False"))
        text = cells.astype(str).str.strip()
        missing = is_missing_text(text)
        if set(step.categories) <= {"True", "False"}:
            folded = text.str.lower()
            text = text.where(~folded.isin(("true", "false")), folded.map({"true": "True", "false": "False"}))
        return pd.Categorical(text.where(~missing).to_numpy(dtype=object))
    if step.kind == DATE:
        text = cells.astype(str).str.strip()
        missing = is_missing_text(text)
        days = dates_to_days(text, missing)
        if days is None:
            raise DataError(f"column {step.name!r} must hold dates, as in training; check its values")
        return days
    parsed = read_column(cells, decimal_comma)
    if parsed.kind not in (NUMBER, EMPTY):
        row, cell = parsed.first_text or (0, str(cells.iloc[0]))
        raise DataError(f"column {step.name!r} must hold numbers, but line {int(lines[row]):,} has {cell!r}")
    return parsed.values
