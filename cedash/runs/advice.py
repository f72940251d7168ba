"""Plain-words hints about a finished run: what held it back, and the one change most likely to help.

Each check reads only the run's own numbers (its loss curve, accuracy and
settings), so a hint never claims more than the run shows. The dashboard turns
a hint into a message with a button that applies ``change``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cedash.config import RunConfig
from cedash.data.dataset import Dataset
from cedash.runs.experiment import RunResult
from cedash.runs.sweep import SAME_LOSS_SHARE, RateSuggestion, settled_at, sweep  # noqa: F401

# A rise smaller than this share of the loss is rounding, not overshooting.
RISE_TOLERANCE = 1e-9
# "Still falling": the last tenth of the run took off more than this share of the final loss, or more than
# STILL_FALLING_PROGRESS of all it took off (a run so slow that it has barely started: a rate of 1e-4).
STILL_FALLING_SHARE = 0.01
STILL_FALLING_PROGRESS = 0.05
# The fewest iterations the "train longer" button suggests.
MIN_SUGGESTED_ITERS = 100
# "Near chance": accuracy within this many points of always answering the most common class.
CHANCE_MARGIN = 0.12
# The rates "Show me a learning rate that is too big" tries, on the slider's 1-2-5 scale.
TOO_BIG_CANDIDATES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


@dataclass(frozen=True)
class Hint:
    """One piece of advice: ``kind`` names the check, ``text`` says it in plain words, ``change`` (setting
    name to value) is what its button applies, with ``action`` as the button's label."""

    kind: str
    text: str
    action: str = ""
    change: dict = field(default_factory=dict)


def loss_rises(curve: np.ndarray) -> int:
    """How many steps made the loss go up by more than rounding."""
    steps = np.diff(curve)
    return int(np.sum(steps > RISE_TOLERANCE * np.maximum(np.abs(curve[:-1]), 1.0)))


def still_falling(result: RunResult) -> bool:
    """True when the loss was still going down clearly over the last tenth of the iterations (the last step, in
    a run of fewer than 20): by a share of the loss, or by a share of all the run took off."""
    curve = result.loss_curve
    tail = max(2, len(curve) // 10)
    if result.diverged_at is not None or len(curve) < 2 or loss_rises(curve[-tail:]):
        return False
    drop, total = curve[-tail] - curve[-1], curve[0] - curve[-1]
    rounding = RISE_TOLERANCE * max(abs(curve[0]), 1.0)
    return bool(drop > STILL_FALLING_SHARE * max(curve[-1], 1e-12) or drop > STILL_FALLING_PROGRESS * total > rounding)


def chance_accuracy(y: np.ndarray) -> float:
    """The accuracy of always answering the most common class."""
    _, counts = np.unique(y, return_counts=True)
    return float(counts.max() / counts.sum())


def line_is_not_enough(result: RunResult) -> bool:
    """A straight boundary that has settled near chance: the features, not the descent, are the limit."""
    if result.config.degree != 1 or result.diverged_at is not None or still_falling(result):
        return False
    return result.accuracy(result.train) < chance_accuracy(result.train.y) + CHANCE_MARGIN


def run_hints(result: RunResult) -> list[Hint]:
    """Every hint that applies to this run, most useful first."""
    hints = []
    curve = result.loss_curve
    rises = loss_rises(curve)
    if result.diverged_at is None and rises and curve[1:].max() > curve[0]:
        hints.append(
            Hint(
                "overshooting",
                f"The loss went up at {rises:,} of the {len(curve) - 1:,} steps and climbed above where it started: "
                "each step jumps past the bottom of the valley. A smaller learning rate settles instead.",
                "Use a 10x smaller learning rate",
                {"lr": max(result.config.learning_rate / 10, 1e-4)},
            )
        )
    if line_is_not_enough(result):
        accuracy = result.accuracy(result.train)
        hints.append(
            Hint(
                "straight_line",
                f"A straight line cannot separate these classes: after training it still gets only {accuracy:.0%} "
                "of the training points right, about what guessing would. Adding squared features (feature "
                "degree 2) lets the boundary curve.",
                "Raise the feature degree to 2",
                {"degree": 2},
            )
        )
    if still_falling(result):
        more = min(max(result.config.max_iter * 4, MIN_SUGGESTED_ITERS), 10_000)
        hints.append(
            Hint(
                "still_falling",
                "The loss was still falling at the last iteration: more iterations (or a larger learning rate) "
                "would take it lower.",
                f"Train for {more:,} iterations",
                {"iters": more},
            )
        )
    return hints


def too_big_rate(data: Dataset, config: RunConfig, candidates=TOO_BIG_CANDIDATES) -> float | None:
    """The smallest candidate rate at which the training loss climbs above its starting value, or diverges.

    All candidates train at once (one sweep on the same split and features as
    ``run``); None when no candidate goes wrong on this data.
    """
    result = sweep(data, config, list(candidates))
    for rate, curve, diverged in zip(result.learning_rates, result.loss_curves, result.diverged_at, strict=True):
        if diverged is not None or (loss_rises(curve) and curve[1:].max() > curve[0]):
            return float(rate)
    return None


def suggest_rate(result) -> RateSuggestion | None:
    """The sweep's suggestion (see :attr:`cedash.runs.sweep.SweepResult.suggestion`)."""
    return result.suggestion
