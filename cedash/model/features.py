"""Feature maps: polynomial terms for curved boundaries, and standardisation.

The map is fitted on the training data and kept with the model, so a boundary
can always be drawn over the original two input features: the chart evaluates
``model(feature_map(grid))``.
"""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.preprocessing import PolynomialFeatures, StandardScaler


class FeatureMap:
    """Polynomial terms up to ``degree`` (no constant), then optional standardisation.

    With inputs ``x1, x2`` and ``degree=2`` the outputs are
    ``x1, x2, x1^2, x1*x2, x2^2``: the terms of scikit-learn's
    ``PolynomialFeatures(include_bias=False)``. Standardising uses the training
    mean and standard deviation of every output column, as fitted by
    scikit-learn's ``StandardScaler``: a constant column is centred but not scaled.
    """

    def __init__(self, degree: int = 1, standardize: bool = False):
        if int(degree) != degree or degree < 1:
            raise ValueError(f"degree must be a whole number of at least 1, not {degree!r}")
        self.degree = int(degree)
        self.standardize = bool(standardize)

    def fit(self, X, input_names=None) -> FeatureMap:
        self.fit_transform(X, input_names)
        return self

    def fit_transform(self, X, input_names=None) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        self.n_inputs_ = X.shape[1]
        self.input_names_ = (
            tuple(input_names) if input_names is not None else tuple(f"x{i + 1}" for i in range(X.shape[1]))
        )
        with _passing_overflow_through():
            self._poly = PolynomialFeatures(self.degree, include_bias=False).fit(X)
            terms = self._terms(X)
            if self.standardize:
                scaler = StandardScaler().fit(terms)
                self.mean_, self.scale_ = scaler.mean_, scaler.scale_
        return self._scaled(terms)

    def transform(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs_:
            raise ValueError(f"the feature map was fitted on {self.n_inputs_} inputs, not {X.shape[-1]}")
        return self._scaled(self._terms(X))

    # scikit-learn fits the map (which terms, which mean and scale); numpy applies it. Going through
    # PolynomialFeatures.transform and StandardScaler.transform instead costs their input checks on
    # every call, several times the arithmetic on the arrays the dashboard maps about nine times per
    # rerun (benchmarks/bench_features.py, rows "rerun" and "transform grid").

    def _terms(self, X: np.ndarray) -> np.ndarray:
        """The polynomial terms of ``X``, column-major: the training kernels read one feature at a time."""
        out = np.empty((X.shape[0], len(self._poly.powers_)), order="F")
        with np.errstate(over="ignore", invalid="ignore"):  # see _passing_overflow_through
            for j, powers in enumerate(self._poly.powers_):
                # Left to right over the inputs, the order PolynomialFeatures multiplies in: equal to the last bit.
                factors = [i for i, p in enumerate(powers) for _ in range(p)]
                np.copyto(out[:, j], X[:, factors[0]])
                for i in factors[1:]:
                    out[:, j] *= X[:, i]
        return out

    def _scaled(self, terms: np.ndarray) -> np.ndarray:
        if self.standardize:
            with np.errstate(over="ignore", invalid="ignore"):
                terms -= self.mean_
                terms /= self.scale_
        return terms

    @property
    def feature_names_(self) -> tuple[str, ...]:
        """Readable names of the output columns, e.g. ``("x1", "x2", "x1²", "x1·x2", "x2²")``."""
        names = []
        for powers in self._poly.powers_:
            parts = [
                name + ("" if p == 1 else _superscript(p))
                for name, p in zip(self.input_names_, powers, strict=True)
                if p > 0
            ]
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


def _passing_overflow_through():
    """Let infinite terms through instead of raising: the caller checks the result and says what went wrong.

    Polynomial terms of large inputs overflow to infinity; scikit-learn would
    refuse them with a generic error, where ``runs.experiment.prepare`` explains
    the cause to the user. The boundary chart's grid may overflow the same way.
    """
    return sklearn.config_context(assume_finite=True)


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
