"""The built-in data sets: the article's four points, the Playground shapes, and scikit-learn's bundled sets.

Every generator takes ``n_samples``, ``noise`` and ``seed`` and returns the same
data for the same arguments. ``noise`` is always the standard deviation of the
Gaussian jitter in the units of the plot, where the shapes span roughly -1..1,
so one value means about the same blur on every shape. The bundled sets
(iris, wine, breast cancer) are fixed: they ignore all three.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from sklearn import datasets as skd

from cedash.data.dataset import DataError, Dataset
from cedash.limits import DEFAULT_LIMITS, Limits

XY = ("x1", "x2")


@dataclass(frozen=True)
class DatasetSpec:
    """What the dashboard needs to offer a built-in set: a description and which knobs apply."""

    name: str
    description: str
    uses_n: bool
    uses_noise: bool
    n_classes: int
    make: Callable[[int, float, int], Dataset]


def _article(n: int, noise: float, seed: int) -> Dataset:
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    return Dataset(X, np.array([0, 1, 1, 0]), XY)


def _two_blobs(n: int, noise: float, seed: int) -> Dataset:
    # Centres 2*sqrt(2) apart: at noise 0.2 the gap is 7 standard deviations (separable), at 1 they overlap.
    X, y = skd.make_blobs(n_samples=n, centers=[[-1.0, -1.0], [1.0, 1.0]], cluster_std=noise, random_state=seed)
    return Dataset(X, y, XY)


def _three_blobs(n: int, noise: float, seed: int) -> Dataset:
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centers = np.column_stack([np.cos(angles), np.sin(angles)])
    X, y = skd.make_blobs(n_samples=n, centers=centers, cluster_std=noise, random_state=seed)
    return Dataset(X, y, XY)


def _xor(n: int, noise: float, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % 2
    # Like the Playground, points keep 0.05 off the axes so that at zero noise every label is unambiguous;
    # class 1 (same signs) and class 0 (opposite signs) get equal shares of the points.
    size = rng.uniform(0.05, 1.05, size=(n, 2))
    sign = rng.choice([-1.0, 1.0], size=n)
    X = size * np.column_stack([sign, np.where(y == 1, sign, -sign)])
    X += rng.normal(scale=noise, size=X.shape)
    return Dataset(X, y, XY)


def _circles(n: int, noise: float, seed: int) -> Dataset:
    X, y = skd.make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
    return Dataset(X, y, XY)


def _moons(n: int, noise: float, seed: int) -> Dataset:
    X, y = skd.make_moons(n_samples=n, noise=noise, random_state=seed)
    return Dataset(X, y, XY)


def _spiral(n: int, noise: float, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    sizes = ((n + 1) // 2, n // 2)
    parts = []
    for k, size in enumerate(sizes):
        t = np.linspace(0.0, 1.0, size, endpoint=False) + 0.5 / max(size, 1)
        # 1.25 turns per arm; the second arm is the first turned by half a circle.
        theta = 2.5 * np.pi * t + k * np.pi
        parts.append(np.column_stack([t * np.cos(theta), t * np.sin(theta)]))
    X = np.vstack(parts)
    X += rng.normal(scale=noise, size=X.shape)
    y = np.repeat(np.array([0, 1], dtype=np.int64), sizes)
    return Dataset(X, y, XY)


def _bundled(loader, target_name: str):
    def make(n: int, noise: float, seed: int) -> Dataset:
        bunch = loader()
        y = np.asarray(bunch.target_names).astype(str)[bunch.target]
        names = tuple(str(f) for f in bunch.feature_names)
        return Dataset(np.asarray(bunch.data, dtype=np.float64), y, names, target_name)

    return make


def _shape(name, description, make, n_classes=2) -> DatasetSpec:
    return DatasetSpec(name, description, uses_n=True, uses_noise=True, n_classes=n_classes, make=make)


def _fixed(name, description, make, n_classes) -> DatasetSpec:
    return DatasetSpec(name, description, uses_n=False, uses_noise=False, n_classes=n_classes, make=make)


_SPECS = (
    _fixed("article example", "The article's four points, for replaying its run step by step.", _article, 2),
    _shape("two blobs", "Two Gaussian clouds: separable at low noise, overlapping at high noise.", _two_blobs),
    _shape("xor", "Four quadrants where opposite corners share a class, so no straight line separates them.", _xor),
    _shape("circles", "A ring around a disc: the boundary has to curve all the way round.", _circles),
    _shape("moons", "Two interleaving half-moons.", _moons),
    _shape("spiral", "Two arms spiralling around each other: the hardest of the shapes.", _spiral),
    _shape("three blobs", "Three Gaussian clouds, one per class, for the softmax model.", _three_blobs, 3),
    _fixed("iris", "Fisher's 150 iris flowers: 4 measurements, 3 species.", _bundled(skd.load_iris, "species"), 3),
    _fixed(
        "wine", "178 wines from 3 cultivars, 13 chemical measurements each.", _bundled(skd.load_wine, "cultivar"), 3
    ),
    _fixed(
        "breast cancer",
        "569 tumour biopsies with 30 cell measurements, malignant or benign.",
        _bundled(skd.load_breast_cancer, "diagnosis"),
        2,
    ),
)

DATASETS = MappingProxyType({spec.name: spec for spec in _SPECS})
"""Built-in sets by name, in the order the dashboard lists them."""


def dataset_names() -> tuple[str, ...]:
    return tuple(DATASETS)


def _lookup(name) -> DatasetSpec:
    # Forgiving about case and separators so that `--dataset Breast_Cancer` works on the command line.
    key = " ".join(str(name).replace("_", " ").replace("-", " ").lower().split())
    if key not in DATASETS:
        raise DataError(f"there is no built-in data set called {name!r}; choose one of: {', '.join(DATASETS)}")
    return DATASETS[key]


def load_dataset(
    name: str, n_samples: int = 200, noise: float = 0.2, seed: int = 0, *, limits: Limits = DEFAULT_LIMITS
) -> Dataset:
    """The built-in set ``name``; ``n_samples``, ``noise`` and ``seed`` apply where its spec says so."""
    spec = _lookup(name)
    if spec.uses_n:
        if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
            raise DataError(f"the number of points must be a whole number, not {n_samples!r}")
        smallest = 2 * spec.n_classes
        if not smallest <= n_samples <= limits.max_rows:
            raise DataError(
                f"the number of points for {spec.name!r} must be between {smallest} and {limits.max_rows:,}, "
                f"not {n_samples}"
            )
    if spec.uses_noise:
        if isinstance(noise, bool) or not isinstance(noise, int | float | np.integer | np.floating):
            raise DataError(f"the noise must be a number, not {noise!r}")
        if not (math.isfinite(noise) and noise >= 0):
            raise DataError(f"the noise must be zero or a positive number, not {noise}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise DataError(f"the seed must be a whole number from 0 to {2**32 - 1}, not {seed!r}")
    data = spec.make(int(n_samples), float(noise), int(seed))
    return Dataset(data.X, data.y, data.feature_names, data.target_name, spec.name)
