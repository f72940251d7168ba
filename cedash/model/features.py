"""Feature maps: polynomial terms for curved boundaries, and standardisation.

The map is fitted on the training data and kept with the model, so a boundary
can always be drawn over the original two input features: the chart evaluates
``model(feature_map(grid))``.
"""

from __future__ import annotations

import itertools

import numpy as np


class FeatureMap:
    """Polynomial terms up to ``degree`` (no constant), then optional standardisation.

    With inputs ``x1, x2`` and ``degree=2`` the outputs are
    ``x1, x2, x1^2, x1*x2, x2^2``. Standardising uses the training mean and
    standard deviation of every output column (a constant column is left as is).
    """

    def __init__(self, degree: int = 1, standardize: bool = False):
        if int(degree) != degree or degree < 1:
            raise ValueError(f"degree must be a whole number of at least 1, not {degree!r}")
        self.degree = int(degree)
        self.standardize = bool(standardize)

    def _powers(self, n_inputs: int) -> list[tuple[int, ...]]:
        terms = []
        for deg in range(1, self.degree + 1):
            terms.extend(itertools.combinations_with_replacement(range(n_inputs), deg))
        return terms

    def fit(self, X, input_names=None) -> FeatureMap:
        X = np.asarray(X, dtype=np.float64)
        self.n_inputs_ = X.shape[1]
        self.input_names_ = (
            tuple(input_names) if input_names is not None else tuple(f"x{i + 1}" for i in range(X.shape[1]))
        )
        self.terms_ = self._powers(self.n_inputs_)
        raw = self._expand(X)
        if self.standardize:
            self.mean_ = raw.mean(axis=0)
            scale = raw.std(axis=0)
            self.scale_ = np.where(scale > 0, scale, 1.0)
        return self

    def _expand(self, X):
        if self.degree == 1:
            return np.array(X, dtype=np.float64, order="F")
        out = np.empty((X.shape[0], len(self.terms_)), order="F")
        for j, term in enumerate(self.terms_):
            col = X[:, term[0]].copy()
            for i in term[1:]:
                col *= X[:, i]
            out[:, j] = col
        return out

    def transform(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] != self.n_inputs_:
            raise ValueError(f"the feature map was fitted on {self.n_inputs_} inputs, not {X.shape[1]}")
        out = self._expand(X)
        if self.standardize:
            out -= self.mean_
            out /= self.scale_
        return out

    def fit_transform(self, X, input_names=None) -> np.ndarray:
        return self.fit(X, input_names).transform(X)

    @property
    def feature_names_(self) -> tuple[str, ...]:
        """Readable names of the output columns, e.g. ``("x1", "x2", "x1²", "x1·x2", "x2²")``."""
        names = []
        for term in self.terms_:
            counts = {i: term.count(i) for i in dict.fromkeys(term)}
            parts = [self.input_names_[i] + ("" if c == 1 else _superscript(c)) for i, c in counts.items()]
            names.append("·".join(parts))
        return tuple(names)

    @property
    def added_features_(self) -> tuple[str, ...]:
        """The output columns that are not plain inputs: what turning on ``degree`` adds."""
        return self.feature_names_[self.n_inputs_ :]

    def to_dict(self) -> dict:
        d = {"degree": self.degree, "standardize": self.standardize, "inputs": list(self.input_names_)}
        d["outputs"] = list(self.feature_names_)
        if self.standardize:
            d["mean"] = self.mean_.tolist()
            d["scale"] = self.scale_.tolist()
        return d


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
