"""The data set every part of cedash passes around, and the error raised for unusable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cedash.data.preparation import TableSource


class DataError(ValueError):
    """Data that cannot be used. The message is one sentence a user can act on."""


@dataclass(frozen=True)
class Dataset:
    """Features and labels, with the names a user gave them.

    ``X`` is float64 of shape (n_samples, n_features); ``y`` keeps the labels
    as they were given (ints, strings, booleans) so they can be shown back.
    ``table``, for data read from a table with column roles, is that table
    (:class:`~cedash.data.preparation.TableSource`): ``X`` is its preparation
    fitted on these rows, and a run refits the preparation on its training part.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str = "label"
    name: str = "data"
    notes: tuple[str, ...] = field(default=())
    table: TableSource | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.X.ndim != 2 or len(self.X) != len(self.y):
            raise DataError(f"features have shape {self.X.shape} but there are {len(self.y)} labels")
        if len(self.feature_names) != self.X.shape[1]:
            raise DataError(f"{self.X.shape[1]} feature columns but {len(self.feature_names)} names")

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def classes(self) -> np.ndarray:
        return np.unique(self.y)

    def select_features(self, columns) -> Dataset:
        """A copy keeping only the named (or indexed) feature columns, in the order given, as plain numbers."""
        idx = [c if isinstance(c, int | np.integer) else self.feature_names.index(c) for c in columns]
        return Dataset(
            self.X[:, idx], self.y, tuple(self.feature_names[i] for i in idx), self.target_name, self.name, self.notes
        )
