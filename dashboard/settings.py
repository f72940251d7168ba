"""Every dashboard setting: its range, default and help text, and how URL values are checked.

The dashboard binds each setting to the page URL so a link reopens the same demo.
Values that arrive from a URL are untrusted: ``settings_from_query`` clamps numbers
into range and replaces nonsense with the default, and says what it changed so the
page can show a note. One table drives both the widgets and the checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from cedash.config import DEFAULTS as D
from cedash.data.builtin_datasets import dataset_names
from cedash.model.optimizers import OPTIMIZER_NAMES, OPTIMIZERS

# The Optimiser box's options as it shows them; the address and RunConfig keep the short names.
OPTIMIZER_LABELS = {name: OPTIMIZER_NAMES[name].capitalize() for name in OPTIMIZERS}


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    default: object
    help: str
    kind: str  # "int", "float", "bool" or "choice"
    low: float | None = None
    high: float | None = None
    choices: tuple = ()


# Up to 1000 so that a class can push the rate until training visibly overshoots and diverges.
LEARNING_RATE_MIN, LEARNING_RATE_MAX = 1e-4, 1000.0
# 1-2-5 steps per decade: the points of the learning-rate slider, from 1e-4 to 1000.
LEARNING_RATE_SCALE = tuple(
    float(f"{m}e{e}") for e in range(-4, 4) for m in (1, 2, 5) if float(f"{m}e{e}") <= LEARNING_RATE_MAX
)


def nearest_scale_value(lr: float) -> float:
    """The slider point nearest to ``lr`` on a log scale."""
    lr = min(max(float(lr), LEARNING_RATE_MIN), LEARNING_RATE_MAX)
    return min(LEARNING_RATE_SCALE, key=lambda v: abs(math.log(v) - math.log(lr)))


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting(
            "dataset",
            "Data set",
            "moons",
            "Which built-in data to learn from.",
            "choice",
            choices=tuple(dataset_names()),
        ),
        Setting("n", "Points", 200, "How many points the built-in data set has.", "int", 10, 5000),
        Setting(
            "noise",
            "Noise",
            0.2,
            "How much the classes blur into each other. More noise, harder problem.",
            "float",
            0.0,
            2.0,
        ),
        Setting("seed", "Seed", D.seed, "Change it to draw a different random sample and split.", "int", 0, 10_000),
        Setting(
            "lr",
            "Learning rate",
            D.learning_rate,
            "How big each step downhill is. Too big and training jumps around or blows up; too small and it crawls.",
            "float",
            LEARNING_RATE_MIN,
            LEARNING_RATE_MAX,
        ),
        Setting(
            "iters",
            "Iterations",
            D.max_iter,
            "How many steps to take (with mini-batches: passes over the data).",
            "int",
            1,
            10_000,
        ),
        Setting(
            "optimizer",
            "Optimiser",
            D.optimizer,
            "The rule that turns the gradient into a step. Gradient descent steps straight down the slope, "
            "as in the article cedash grew from; momentum and Nesterov build up speed; Adam adapts the step "
            "per weight.",
            "choice",
            choices=OPTIMIZERS,
        ),
        Setting(
            "batch",
            "Batch size",
            0,
            "0 uses all training points for every step. A smaller number takes "
            "noisy steps on random mini-batches (stochastic gradient descent).",
            "int",
            0,
            100_000,
        ),
        Setting(
            "l2",
            "L2 penalty",
            D.alpha,
            "Pulls the weights towards zero. Larger values give a smoother, less confident model.",
            "float",
            0.0,
            10.0,
        ),
        Setting("intercept", "Intercept", D.fit_intercept, "Let the boundary move away from the origin.", "bool"),
        Setting(
            "standardize",
            "Standardise",
            D.standardize,
            "Rescale each feature to mean 0 and spread 1 first. "
            "Gradient descent converges much faster on standardised features.",
            "bool",
        ),
        Setting(
            "degree",
            "Feature degree",
            D.degree,
            "1 draws straight boundaries. 2 or more adds squares and "
            "products of the features, so the boundary can curve.",
            "int",
            1,
            6,
        ),
        Setting(
            "test",
            "Test share",
            D.test_size,
            "The share of points held out to test the model on data it never trained on.",
            "float",
            0.0,
            0.9,
        ),
        Setting(
            "play",
            "Play: watch it learn",
            False,
            "Shows the boundary and the loss as one animation: press its Play button to see training unfold.",
            "bool",
        ),
        Setting(
            "logy",
            "Log scale",
            False,
            "Show the loss on a logarithmic axis, where slow late progress is easier to see.",
            "bool",
        ),
    ]
}


def defaults() -> dict:
    return {k: s.default for k, s in SETTINGS.items()}


def url_text(value) -> str:
    """A setting as the page address holds it: ``true``/``false`` for switches, numbers as Python prints them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def out_of_range_note(key: str, typed: float, high: float | None = None) -> tuple[float, str | None]:
    """The value to use for a number typed into the ``key`` box, and a message when it had to be clamped.

    ``high`` replaces the setting's upper bound where this server sets a lower one (``cedash.limits``).
    """
    s = SETTINGS[key]
    high = s.high if high is None else high
    cast = int if s.kind == "int" else float
    clamped = cast(min(max(float(typed), s.low), high))
    if clamped == typed:
        return clamped, None
    bound = "largest" if typed > high else "smallest"
    return clamped, (
        f"{s.label} {typed:g} is outside the range {s.low:g} to {high:g}, so the {bound} value, {clamped:g}, is used."
    )


def _parse(setting: Setting, raw: str):
    """Parse one URL value; returns (value, note or None)."""
    text = raw.strip()
    if setting.kind == "bool":
        low = text.lower()
        if low in ("true", "1", "yes", "on"):
            return True, None
        if low in ("false", "0", "no", "off"):
            return False, None
        raise ValueError
    if setting.kind == "choice":
        for choice in setting.choices:
            if text.lower() == str(choice).lower():
                return choice, None
        raise ValueError
    number = float(text)
    if math.isnan(number):
        raise ValueError
    clamped = min(max(number, setting.low), setting.high)
    value = int(clamped) if setting.kind == "int" else float(clamped)
    note = None
    if clamped != number:
        bound = "maximum" if number > setting.high else "minimum"
        note = f"{setting.label} {text} from the link is out of range, so the {bound} {value:g} is used."
    return value, note


def settings_from_query(params: Mapping[str, str | list[str]]) -> tuple[dict, list[str]]:
    """Valid settings found in URL ``params``, and a note for each value that was changed.

    Unknown parameter names are ignored; a value that cannot be read falls back
    to the default with a note.
    """
    values, notes = {}, []
    for key, setting in SETTINGS.items():
        if key not in params:
            continue
        raw = params[key]
        if isinstance(raw, list):
            raw = raw[-1] if raw else ""
        try:
            value, note = _parse(setting, str(raw))
        except (ValueError, OverflowError):
            values[key] = setting.default
            notes.append(
                f"{setting.label} {str(raw)[:40]!r} from the link is not valid, so the default "
                f"{setting.default} is used."
            )
            continue
        values[key] = value
        if note:
            notes.append(note)
    return values, notes
