"""One training run from data and settings: what the dashboard and the command line both call.

``run`` takes a :class:`~cedash.config.RunConfig`, splits the data, fits
the feature map and the classifier, times the fit and evaluates the recorded
history on both parts. Nothing here knows about Streamlit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from cedash.config import DEFAULTS, RunConfig
from cedash.data.dataset import DataError, Dataset
from cedash.data.preparation import Preparation, prepared_parts
from cedash.data.split import split_dataset
from cedash.limits import DEFAULT_LIMITS, Limits
from cedash.model.classifier import GradientDescentClassifier
from cedash.model.features import FeatureMap
from cedash.model.losses import binary_cross_entropy_with_logits, softmax_cross_entropy_with_logits
from cedash.runs.history import HistoryCurves, evaluate_history
from cedash.runs.weights import weight_table

WIDE_SCALES = 100.0
"""Spreads of inputs this many times apart make one learning rate too big for some and too small for others."""


@dataclass
class RunResult:
    config: RunConfig
    train: Dataset
    test: Dataset | None
    feature_map: FeatureMap
    model: GradientDescentClassifier
    fit_seconds: float
    train_curves: HistoryCurves
    test_curves: HistoryCurves | None

    @property
    def classes(self) -> np.ndarray:
        return self.model.classes_

    @property
    def preparation(self) -> Preparation | None:
        """How the table's columns became the model's inputs, fitted on the training part; None for numeric data."""
        return self.train.table.preparation if self.train.table is not None else None

    @property
    def spread_ratio(self) -> float:
        """Largest over smallest standard deviation of the training inputs before standardising (1 if fewer than two
        vary): above :data:`WIDE_SCALES`, a diverging run needs standardising more than a smaller step."""
        spread = self.train.X.std(axis=0)
        spread = spread[spread > 0]
        return float(spread.max() / spread.min()) if spread.size > 1 else 1.0

    def weights(self):
        """Each input's weight, in standardised units and per unit of the input, largest first
        (see :func:`cedash.runs.weights.weight_table`)."""
        return weight_table(self)

    @property
    def diverged_at(self) -> int | None:
        return self.model.diverged_at_

    @property
    def loss_curve(self) -> np.ndarray:
        """Training objective at every iteration (cross-entropy + L2 penalty)."""
        return self.model.loss_curve_

    def all_data(self) -> Dataset:
        """Train and test parts back together, as the user's data (with its edits)."""
        parts = [self.train] + ([self.test] if self.test is not None else [])
        X = np.vstack([p.X for p in parts])
        y = np.concatenate([p.y for p in parts])
        return Dataset(X, y, self.train.feature_names, self.train.target_name, self.train.name.removesuffix(" (train)"))

    def class_index(self, y) -> np.ndarray:
        return np.searchsorted(self.model.classes_, y)

    def data_loss(self, part: Dataset) -> float:
        """Mean cross-entropy (no penalty) of the final model on the rows of ``part`` whose class it knows.

        A class that landed only in the test part has no output in the model, so
        its rows are left out, as they are from the test curves; NaN if none is left.
        """
        known = np.isin(part.y, self.model.classes_)
        if not known.any():
            return float("nan")
        Z = self.model.decision_function(self.feature_map.transform(part.X[known]))
        y = self.class_index(part.y[known])
        if Z.ndim == 1:
            return binary_cross_entropy_with_logits(y, Z)
        return softmax_cross_entropy_with_logits(y, Z)

    def accuracy(self, part: Dataset) -> float:
        return float(np.mean(self.model.predict(self.feature_map.transform(part.X)) == part.y))

    def summary(self) -> dict:
        """Final numbers as plain Python values (JSON-ready)."""
        out = {
            "classes": self.classes.tolist(),
            "coef": self.model.coef_.tolist(),
            "intercept": self.model.intercept_.tolist(),
            "features": list(self.feature_map.feature_names_),
            "n_iter": int(self.model.n_iter_),
            "train_loss": self.data_loss(self.train),
            "train_objective": float(self.loss_curve[-1]),
            "train_accuracy": self.accuracy(self.train),
            "diverged": False if self.diverged_at is None else int(self.diverged_at),
            "fit_seconds": self.fit_seconds,
        }
        if self.test is not None:
            out["test_loss"] = self.data_loss(self.test)
            out["test_accuracy"] = self.accuracy(self.test)
        return out

    def export(self) -> dict:
        """The trained model with every setting, for download and reuse."""
        out = {
            "format": "cedash-model/1",
            "dataset": self.train.name.removesuffix(" (train)"),
            "target": self.train.target_name,
            "inputs": list(self.train.feature_names),
            "settings": self.config.to_dict(),
            "feature_map": self.feature_map.to_dict(),
            **self.summary(),
            "divergence_reason": self.model.divergence_reason_,
            "weights": self.weights().to_dict(orient="records"),
        }
        if self.preparation is not None:
            out["preparation"] = self.preparation.to_dict()
        return out


def check_classes(data: Dataset) -> None:
    """Refuse a target that holds measurements rather than classes, before a classifier is asked to fit it."""
    y = np.asarray(data.y)
    if y.dtype.kind == "f" and not np.all(np.isfinite(y) & (y == np.round(y))):
        raise DataError(
            f"the target column {data.target_name!r} holds numbers with fractions ({len(np.unique(y)):,} different "
            "values), like a measurement rather than classes; choose a column of classes as the target"
        )


def check_work(data: Dataset, config: RunConfig, limits: Limits = DEFAULT_LIMITS, runs: int = 1) -> None:
    """Refuse, with a clear message, a request bigger than the configured limits.

    The cost of a request is rows x iterations x (classes - 1) x runs: a sweep
    or a race of ``runs`` models costs that many runs.
    """
    if config.max_iter > limits.max_iter:
        raise DataError(f"{config.max_iter:,} iterations is over the limit of {limits.max_iter:,}; ask for fewer")
    k = max(1, len(np.unique(data.y)) - 1)
    work = data.n_samples * config.max_iter * k * runs
    if work > limits.max_work:
        most = max(1, limits.max_work // (data.n_samples * k * runs))
        what = f"{data.n_samples:,} rows x {config.max_iter:,} iterations"
        if runs > 1:
            what += f" x {runs} runs"
        raise DataError(
            f"{what} is more work than this server allows (limit {limits.max_work:,}); "
            f"use at most {most:,} iterations or fewer rows"
        )


def split(data: Dataset, config: RunConfig) -> tuple[Dataset, Dataset | None]:
    """Train and test parts; a table's preparation is fitted on the training part and applied to both."""
    if data.table is None:
        return split_dataset(data, config.test_size, config.seed)
    # The split depends on the labels only, so splitting row numbers gives the rows at which to cut the table.
    rows = Dataset(np.arange(data.n_samples, dtype=np.float64)[:, None], data.y, ("row",), data.target_name,
                   data.name, data.notes)  # fmt: skip
    train_rows, test_rows = split_dataset(rows, config.test_size, config.seed)
    train_idx = train_rows.X[:, 0].astype(np.intp)
    test_idx = None if test_rows is None else test_rows.X[:, 0].astype(np.intp)
    return prepared_parts(data, train_idx, test_idx, train_rows.notes)


def prepare(data: Dataset, config: RunConfig):
    """Split ``data`` and fit the feature map on the training part: (train, test, feature_map, mapped X_train)."""
    train, test = split(data, config)
    fmap = FeatureMap(config.degree, config.standardize)
    with np.errstate(over="ignore", invalid="ignore"):
        Xtr = fmap.fit_transform(train.X, train.feature_names)
    scales = (fmap.mean_, fmap.scale_) if fmap.standardize else ()
    # No standardised value can lie further than sqrt(n) from 0 (Samuelson's inequality); one that does means
    # the spread itself overflowed while it was measured and the column was left unscaled.
    unscaled = fmap.standardize and len(Xtr) and np.max(np.abs(Xtr), initial=0.0) > np.sqrt(len(Xtr)) + 1.0
    if unscaled or not (np.all(np.isfinite(Xtr)) and all(np.all(np.isfinite(v)) for v in scales)):
        what = "the polynomial terms of" if config.degree > 1 else "standardising"
        raise DataError(
            f"{what} these features gives numbers too large for floating point; "
            "rescale the data (for example divide large columns by a power of ten) or lower the degree"
        )
    return train, test, fmap, Xtr


def run(data: Dataset, config: RunConfig = DEFAULTS, *, callback=None, limits: Limits = DEFAULT_LIMITS) -> RunResult:
    """Split ``data``, fit the feature map and the classifier, and evaluate the run."""
    check_classes(data)
    check_work(data, config, limits)
    train, test, fmap, Xtr = prepare(data, config)
    model = GradientDescentClassifier(
        learning_rate=config.learning_rate,
        max_iter=config.max_iter,
        optimizer=config.optimizer,
        momentum=config.momentum,
        batch_size=config.batch_size,
        alpha=config.alpha,
        fit_intercept=config.fit_intercept,
        random_state=config.seed,
    )
    start = time.perf_counter()
    try:
        # Overflow inside a step shows up as a non-finite loss, which the fit records as divergence.
        with np.errstate(over="ignore", invalid="ignore"):
            model.fit(Xtr, train.y, callback=callback)
    except FloatingPointError as exc:
        raise DataError(f"training cannot start: {exc}") from None
    fit_seconds = time.perf_counter() - start
    ytr = np.searchsorted(model.classes_, train.y)
    train_curves = evaluate_history(model, Xtr, ytr, fitted=True)
    test_curves = None
    if test is not None:
        known = np.isin(test.y, model.classes_)
        Xte = fmap.transform(test.X[known])
        test_curves = evaluate_history(model, Xte, np.searchsorted(model.classes_, test.y[known]))
    return RunResult(config, train, test, fmap, model, fit_seconds, train_curves, test_curves)
