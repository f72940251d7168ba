"""The lessons as data: read ``steps.toml``, set a step's page up, and say what happened in the run on screen.

A step is settings (the same names as the page address: ``dataset``, ``lr``, ``degree``, ``view`` ...),
a text with live numbers, one thing to try, and replies. Each reply has ``when`` (the user did the thing),
``checks`` (what its text claims about the run) and an ``example`` change that shows it. A reply is shown
only while both hold on the run on screen, and the tests apply every example and check every claim, so a
lesson never says something the run does not show. Texts are Python format strings over three names:
``start`` (the run of the step's own settings), ``now`` (the run on screen) and ``article`` (the article's
worked example); see :mod:`cedash.lessons.numbers` for what each can read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.data.dataset import Dataset
from cedash.lessons.expressions import ExpressionError, evaluate, parse
from cedash.lessons.numbers import ArticleExample, RunNumbers

STEPS_FILE = Path(__file__).with_name("steps.toml")
NAMES = {"now", "start", "article"}
ARTICLE = ArticleExample()


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the step and the problem."""


@dataclass(frozen=True)
class Reply:
    text: str
    when: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    done: bool = True
    example: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    settings: dict
    text: str
    task: str
    checks: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()
    chart: str = ""


def _strings(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LessonError(f"{where} must be a condition or a list of conditions")
    for text in value:
        try:
            parse(text, NAMES)
        except ExpressionError as exc:
            raise LessonError(f"{where}: {exc}") from None
    return tuple(value)


def _text(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where} needs a {key!r} text")
    return " ".join(value.split())


def parse_steps(document: Mapping) -> tuple[Step, ...]:
    """Steps from a parsed lesson file, numbered from 1; raises LessonError on a missing or malformed part."""
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError("the lesson file has no [[steps]]")
    steps = []
    for number, raw in enumerate(raw_steps, start=1):
        where = f"step {number}"
        settings = raw.get("settings", {})
        if not isinstance(settings, dict):
            raise LessonError(f"{where}: settings must be a table of setting names and values")
        replies = []
        for i, reply in enumerate(raw.get("replies", []), start=1):
            at = f"{where}, reply {i}"
            example = reply.get("example", {})
            if not isinstance(example, dict):
                raise LessonError(f"{at}: example must be a table of setting names and values")
            replies.append(
                Reply(
                    text=_text(reply, "text", at),
                    when=_strings(reply.get("when", []), f"{at}, when"),
                    checks=_strings(reply.get("checks", []), f"{at}, checks"),
                    done=bool(reply.get("done", True)),
                    example=example,
                )
            )
        steps.append(
            Step(
                number=number,
                title=_text(raw, "title", where),
                settings=settings,
                text=_text(raw, "text", where),
                task=_text(raw, "task", where),
                checks=_strings(raw.get("checks", []), f"{where}, checks"),
                replies=tuple(replies),
                chart=str(raw.get("chart", "")),
            )
        )
    return tuple(steps)


@cache
def load_steps(path: Path = STEPS_FILE) -> tuple[Step, ...]:
    with open(path, "rb") as f:
        try:
            document = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise LessonError(f"{path.name} is not valid TOML: {exc}") from None
    return parse_steps(document)


def step_settings(step: Step, defaults: Mapping, change: Mapping | None = None) -> dict:
    """Every setting of the page for this step: the defaults, then the step's own, then ``change``.

    ``defaults`` names every setting the page has; a step naming any other is refused, so a typing
    mistake in a lesson fails loudly instead of being ignored.
    """
    settings = dict(defaults)
    for key, value in {**step.settings, **(change or {})}.items():
        if key not in defaults:
            raise LessonError(f"step {step.number} sets {key!r}, which is not a setting of the page")
        settings[key] = _like(defaults[key], value, f"step {step.number}, {key}")
    return settings


def _like(default, value, where: str):
    """``value`` as the kind of value the setting holds: TOML's ``lr = 1000`` is the rate 1000.0."""
    if isinstance(default, bool) or isinstance(value, bool):
        if type(value) is not type(default):
            raise LessonError(f"{where} must be true or false like its default, not {value!r}")
        return value
    if isinstance(default, float) and isinstance(value, int | float):
        return float(value)
    if isinstance(default, int) and isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    if type(value) is not type(default):
        raise LessonError(f"{where} must be a {type(default).__name__} like its default, not {value!r}")
    return value


def run_config(settings: Mapping) -> RunConfig:
    """The training settings among the page's settings (the names of the page address)."""
    return RunConfig(
        learning_rate=float(settings["lr"]),
        max_iter=int(settings["iters"]),
        optimizer=str(settings["optimizer"]),
        batch_size=int(settings["batch"]) or None,
        alpha=float(settings["l2"]),
        fit_intercept=bool(settings["intercept"]),
        standardize=bool(settings["standardize"]),
        degree=int(settings["degree"]),
        test_size=float(settings["test"]),
        seed=int(settings["seed"]),
    )


def builtin_data(settings: Mapping) -> Dataset:
    return load_dataset(settings["dataset"], int(settings["n"]), float(settings["noise"]), int(settings["seed"]))


def _names(now: RunNumbers, start: RunNumbers) -> dict:
    return {"now": now, "start": start, "article": ARTICLE}


def holds(conditions, now: RunNumbers, start: RunNumbers) -> bool:
    """True when every condition is true of these runs (a condition that cannot be read is not true)."""
    names = _names(now, start)
    try:
        return all(bool(evaluate(parse(c, NAMES), names)) for c in conditions)
    except (AttributeError, TypeError, ValueError, ZeroDivisionError):
        return False


def failed_checks(conditions, now: RunNumbers, start: RunNumbers) -> list[str]:
    """The conditions that do not hold, for a test's failure message."""
    return [c for c in conditions if not holds([c], now, start)]


def render(template: str, now: RunNumbers, start: RunNumbers) -> str | None:
    """The text with this run's numbers, or None when it asks for a number this run has not got."""
    try:
        return template.format(**_names(now, start))
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):
        return None


def reply_for(step: Step, now: RunNumbers, start: RunNumbers) -> tuple[Reply, str] | None:
    """The first reply whose action was done and whose claims hold on the run on screen, with its text."""
    for reply in step.replies:
        if holds(reply.when, now, start) and holds(reply.checks, now, start):
            text = render(reply.text, now, start)
            if text is not None:
                return reply, text
    return None
