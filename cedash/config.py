"""Every setting of a training run and its default: the one place the defaults are written.

The dashboard, the command line and :class:`~cedash.model.classifier.GradientDescentClassifier`
read their defaults from :data:`DEFAULTS`, so the same data with untouched settings
gives the same numbers everywhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RunConfig:
    """A plain record of one run's settings.

    ``learning_rate`` scales each step; ``max_iter`` counts full-batch steps (or
    epochs with ``batch_size``); ``optimizer`` is one of ``gd``, ``momentum``,
    ``nesterov``, ``adam``; ``alpha`` is the L2 penalty; ``standardize`` rescales
    every feature to mean 0 and spread 1 on the training part, which keeps one
    learning rate sensible for columns of very different scales; ``degree`` adds
    polynomial terms; ``test_size`` is the share held out; ``seed`` fixes the split,
    the shuffles and the built-in data.
    """

    learning_rate: float = 0.1
    max_iter: int = 500
    optimizer: str = "gd"
    momentum: float = 0.9
    batch_size: int | None = None
    alpha: float = 0.0
    fit_intercept: bool = True
    standardize: bool = True
    degree: int = 1
    test_size: float = 0.25
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULTS = RunConfig()
