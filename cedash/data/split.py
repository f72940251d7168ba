"""Train/test split: a ratio and a seed, stratified by class."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split as _sk_split

from cedash.data.dataset import DataError, Dataset


def split_dataset(data: Dataset, test_size: float, seed: int = 0) -> tuple[Dataset, Dataset | None]:
    """Split into (train, test); ``test_size=0`` gives (data, None).

    The split is stratified so each class keeps its share in both parts. When a
    class is too small to appear in both, the split is made without
    stratification and the training set's ``notes`` say so.
    """
    if not 0 <= test_size < 1:
        raise DataError(f"the test share must be at least 0 and below 1, not {test_size}")
    if test_size == 0:
        return data, None
    n = data.n_samples
    n_test = int(np.ceil(test_size * n))
    _, counts = np.unique(data.y, return_counts=True)
    if n_test < 1 or n - n_test < 2:
        raise DataError(f"{n} rows are too few to hold out {test_size:.0%} for testing; lower the test share to 0")
    idx = np.arange(n)
    notes = data.notes
    stratify = data.y
    if counts.min() < 2 or n_test < len(counts) or n - n_test < len(counts):
        stratify = None
        notes = (*notes, "the split is not stratified: a class has too few rows to appear in both parts")
    train_idx, test_idx = _sk_split(idx, test_size=n_test, random_state=seed, stratify=stratify)
    train_idx.sort()
    test_idx.sort()
    if len(np.unique(data.y[train_idx])) < 2:
        raise DataError("the training part holds only one class; lower the test share or add rows of the other classes")

    def part(rows, suffix):
        return Dataset(
            data.X[rows], data.y[rows], data.feature_names, data.target_name, f"{data.name} ({suffix})", notes
        )

    return part(train_idx, "train"), part(test_idx, "test")
