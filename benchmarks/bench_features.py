"""The feature map three ways: all scikit-learn, hand-written numpy, and cedash's ``FeatureMap``.

Run ``python benchmarks/bench_features.py`` (a few minutes). All three compute polynomial terms of two
inputs, then standardise them:

sklearn
    ``PolynomialFeatures`` then ``StandardScaler``, fitted and applied through scikit-learn;
hand
    the baseline below: it multiplies the columns itself and scales with numpy's mean and std;
FeatureMap
    cedash's map: fitted through scikit-learn, applied to new data with numpy.

Steps timed, alternately:

fit_transform
    a run's training data, at 1e3 to 1e6 rows and degrees 1 to 3;
transform grid
    the boundary chart's 100 x 100 grid, mapped on every redraw;
rerun
    what one learning-rate change asks of the map on the dashboard's default page (200 points, a quarter
    held out): one ``fit_transform`` of the training part and eight ``transform`` calls (the grid, then
    the parts for the accuracy, the point losses and the confusion matrix), as counted in the app.

Each cell is the lowest of three medians; the ratios are against the hand-written baseline.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from functools import partial

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from cedash.model.features import FeatureMap


class SklearnMap:
    def __init__(self, degree: int, standardize: bool = True):
        self.pipeline = make_pipeline(PolynomialFeatures(degree, include_bias=False), StandardScaler())

    def fit_transform(self, X):
        return self.pipeline.fit_transform(X)

    def transform(self, X):
        return self.pipeline.transform(X)


class HandWrittenMap:
    """Products of input columns, then (x - mean) / std with constant columns left unscaled."""

    def __init__(self, degree: int, standardize: bool = True):
        self.degree = degree

    def fit_transform(self, X):
        n = X.shape[1]
        self.terms = [
            t for d in range(1, self.degree + 1) for t in itertools.combinations_with_replacement(range(n), d)
        ]
        raw = self._terms(X)
        self.mean = raw.mean(axis=0)
        std = raw.std(axis=0)
        self.scale = np.where(std > 0, std, 1.0)
        raw -= self.mean
        raw /= self.scale
        return raw

    def transform(self, X):
        out = self._terms(X)
        out -= self.mean
        out /= self.scale
        return out

    def _terms(self, X):
        out = np.empty((X.shape[0], len(self.terms)), order="F")
        for j, term in enumerate(self.terms):
            np.prod(X[:, list(term)], axis=1, out=out[:, j])
        return out


MAPS = (SklearnMap, HandWrittenMap, FeatureMap)


def best_of_medians(step, repeats: int) -> float:
    """The lowest of three medians: the machine is shared, and a busy moment should not decide a row."""
    medians = []
    for _ in range(3):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return min(medians)


def rerun(cls, degree: int, train, test, grid) -> None:
    """One dashboard rerun's calls: fit on the training part, then the grid and the parts seven times."""
    fmap = cls(degree, standardize=True)
    fmap.fit_transform(train)
    fmap.transform(grid)
    for part in (train, test, train, test, train, test, train):
        fmap.transform(part)


def row(rows: int, degree: int, name: str, steps, repeats: int) -> None:
    sk, hand, ours = (best_of_medians(step, repeats) for step in steps)
    print(
        f"{rows:>9,} {degree:>6} {name:<14} {sk * 1e3:>10.3f} {hand * 1e3:>9.3f} {ours * 1e3:>13.3f} "
        f"{sk / hand:>12.2f} {ours / hand:>15.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    grid = rng.normal(size=(10_000, 2))
    header = (
        f"{'rows':>9} {'degree':>6} {'step':<14} {'sklearn ms':>10} {'hand ms':>9} {'FeatureMap ms':>13} "
        f"{'sklearn/hand':>12} {'FeatureMap/hand':>15}"
    )
    print(f"two inputs, standardised; lowest of three medians of {args.repeats}\n")
    print(header)
    print("-" * len(header))
    train, test = rng.normal(size=(150, 2)), rng.normal(size=(50, 2))
    for degree in (1, 2, 3):
        row(200, degree, "rerun", [partial(rerun, cls, degree, train, test, grid) for cls in MAPS], args.repeats)
    for degree in (1, 2, 3):
        maps = [cls(degree, standardize=True) for cls in MAPS]
        for fmap in maps:
            fmap.fit_transform(grid)
        row(len(grid), degree, "transform grid", [partial(m.transform, grid) for m in maps], args.repeats)
    for rows, degree in itertools.product((1_000, 10_000, 100_000, 1_000_000), (1, 2, 3)):
        X = rng.normal(size=(rows, 2)) * [3.0, 0.5] + [10.0, -2.0]
        maps = [cls(degree, standardize=True) for cls in MAPS]
        expected = maps[0].fit_transform(X)
        for fmap in maps[1:]:
            np.testing.assert_allclose(fmap.fit_transform(X), expected, rtol=1e-9, atol=1e-9)
        row(rows, degree, "fit_transform", [partial(m.fit_transform, X) for m in maps], args.repeats)


if __name__ == "__main__":
    main()
