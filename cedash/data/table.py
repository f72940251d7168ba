"""Turn a table a user has edited in the dashboard back into a Dataset.

A half-typed row is normal while someone edits, so rows with an empty or
non-numeric cell are left out with a note rather than refused; only a table
that cannot be trained on at all raises DataError.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cedash.data.dataset import DataError, Dataset


def _labels(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(dtype=object)
    if all(isinstance(v, bool | np.bool_) for v in values):
        return values.astype(bool)
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().all():
        as_float = numeric.to_numpy(dtype=np.float64)
        if np.all(np.isfinite(as_float)) and np.all(as_float == np.round(as_float)):
            return as_float.astype(np.int64)
        return as_float
    return np.array([str(v).strip() for v in values])


def frame_to_dataset(frame: pd.DataFrame, target: str, name: str = "edited data") -> Dataset:
    """Features are every column but ``target``; incomplete rows are dropped with a note."""
    if target not in frame.columns:
        raise DataError(f"the table has no column named {target!r}; the target column must stay in the table")
    features = [c for c in frame.columns if c != target]
    if not features:
        raise DataError("the table has no feature columns; keep at least one column besides the target")
    X = frame[features].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    label_col = frame[target]
    label_missing = label_col.isna().to_numpy() | (label_col.astype(str).str.strip() == "").to_numpy()
    bad = ~np.isfinite(X).all(axis=1) | label_missing
    notes = []
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:5]) + (" ..." if bad.sum() > 5 else "")
        notes.append(
            f"{int(bad.sum())} incomplete row(s) are left out until every cell holds a number "
            f"and a label (table rows {rows})."
        )
    keep = ~bad
    if keep.sum() == 0:
        raise DataError("the table has no complete rows; fill in every feature value and a label")
    y = _labels(label_col[keep])
    if len(np.unique(y)) < 2:
        raise DataError(f"every complete row has the label {y[0]!r}; give at least one row another label")
    return Dataset(X[keep], y, tuple(str(f) for f in features), str(target), name, tuple(notes))


def add_row(frame: pd.DataFrame, values: dict) -> pd.DataFrame:
    """``frame`` with one more row at the bottom; columns missing from ``values`` are left empty."""
    row = pd.DataFrame([{c: values.get(c) for c in frame.columns}])
    row = row.astype({c: frame[c].dtype for c in frame.columns if c in values and frame[c].dtype != object})
    return pd.concat([frame, row], ignore_index=True)


def drop_row(frame: pd.DataFrame, position: int) -> pd.DataFrame:
    """``frame`` without the row at ``position`` (counted from 0), renumbered."""
    if not 0 <= position < len(frame):
        raise DataError(f"there is no row {position + 1} in a table of {len(frame)} rows")
    return frame.drop(index=frame.index[position]).reset_index(drop=True)
