"""The command line: ``cedash fit`` trains on a CSV file or a built-in set, ``cedash predict`` uses a saved
model on new rows, ``cedash loss`` scores predictions.

Bad input of any kind ends with exit status 2 and one line on stderr starting
``error:``; a user never sees a traceback. Results go to stdout, the progress
bar to stderr, and only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from cedash.config import DEFAULTS as D
from cedash.config import RunConfig
from cedash.data.builtin_datasets import dataset_names, load_dataset
from cedash.data.columns import DEFAULT_MAX_CATEGORIES, LEFT_OUT
from cedash.data.csv_reader import read_csv, read_raw
from cedash.data.dataset import DataError
from cedash.limits import Limits
from cedash.model.losses import cross_entropy_loss
from cedash.model.optimizers import OPTIMIZERS
from cedash.runs import experiment, export
from cedash.runs.saved_model import SavedModel

BAD_INPUT = 2


class UsageError(Exception):
    """A command line that argparse or a value check rejected."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage and exits on its own; cedash promises one line and exit status 2.
    def error(self, message):
        raise UsageError(message)


def _checked(convert, test, wanted):
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, not {text!r}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"expected {wanted}, not {text!r}")
        return value

    parse.__name__ = wanted  # argparse names the type in some messages
    return parse


positive_float = _checked(float, lambda v: math.isfinite(v) and v > 0, "a positive number")
non_negative_float = _checked(float, lambda v: math.isfinite(v) and v >= 0, "zero or a positive number")
positive_int = _checked(int, lambda v: v >= 1, "a whole number of at least 1")
seed_int = _checked(int, lambda v: 0 <= v < 2**32, "a whole number from 0 to 4294967295")
share = _checked(float, lambda v: 0 <= v < 1, "a share from 0 up to (not including) 1")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cedash",
        description="See and tune how a classifier learns by gradient descent on the cross-entropy loss.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{fit,predict,loss}")
    _add_fit(commands)
    _add_predict(commands)
    _add_loss(commands)
    return parser


def _add_fit(commands) -> None:
    """``cedash fit``: the data, the run settings, and where the results go."""
    fit = commands.add_parser("fit", help="train a classifier on a CSV file or a built-in data set")
    _add_data_arguments(fit)
    _add_training_arguments(fit)
    fit.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    fit.add_argument("--history", metavar="FILE.csv", help="write the loss at every iteration to this CSV file")
    fit.add_argument("--save", metavar="MODEL.json", help="write the trained model, with its preparation, here")


def _add_data_arguments(fit) -> None:
    """Where ``fit`` reads its data and which columns and rows it keeps."""
    fit.add_argument("data", nargs="?", metavar="DATA.csv", help="the CSV file to train on ('-' reads standard input)")
    fit.add_argument("--dataset", metavar="NAME", help=f"a built-in data set instead: {', '.join(dataset_names())}")
    fit.add_argument("--target", metavar="COL", help="the column to predict (default: label/target/class/y or last)")
    fit.add_argument("--features", type=_names, metavar="A,B", help="use exactly these columns as features")
    fit.add_argument("--ignore", type=_names, default=(), metavar="C,D", help="leave these columns out")
    fit.add_argument(
        "--missing",
        choices=("drop", "fill"),
        default="drop",
        help="rows missing a feature value: drop them (default), or fill numbers with the median and text with "
        "the most frequent value of the training part",
    )
    fit.add_argument(
        "--max-categories",
        type=positive_int,
        default=DEFAULT_MAX_CATEGORIES,
        metavar="N",
        help=f"the category limit: a text column with up to N values becomes N 0/1 columns (default "
        f"{DEFAULT_MAX_CATEGORIES})",
    )
    fit.add_argument(
        "--drop-invalid-rows", action="store_true", help="drop rows with missing or infinite values (the default)"
    )
    fit.add_argument("--n-samples", type=positive_int, default=200, metavar="N", help="points in a built-in shape")
    fit.add_argument("--noise", type=non_negative_float, default=0.2, metavar="F", help="noise of a built-in shape")


def _add_training_arguments(fit) -> None:
    """The settings of the run, each defaulting to cedash's one set of defaults."""
    fit.add_argument(
        "--lr",
        type=positive_float,
        default=D.learning_rate,
        metavar="RATE",
        help=f"learning rate (default {D.learning_rate:g})",
    )
    fit.add_argument(
        "--iters", type=positive_int, default=D.max_iter, metavar="N", help=f"iterations (default {D.max_iter})"
    )
    fit.add_argument(
        "--optimizer", choices=OPTIMIZERS, default=D.optimizer, help=f"update rule (default {D.optimizer})"
    )
    fit.add_argument("--batch-size", type=positive_int, default=D.batch_size, metavar="N", help="mini-batch size")
    fit.add_argument(
        "--l2", type=non_negative_float, default=D.alpha, metavar="A", help=f"L2 penalty (default {D.alpha:g})"
    )
    fit.add_argument("--no-intercept", action="store_true", help="fit no bias term, like the article")
    fit.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=D.standardize,
        help="rescale each feature to mean 0, spread 1 (default: on)",
    )
    fit.add_argument(
        "--degree", type=positive_int, default=D.degree, metavar="K", help=f"polynomial degree (default {D.degree})"
    )
    fit.add_argument(
        "--test-size", type=share, default=D.test_size, metavar="F", help=f"test share (default {D.test_size:g})"
    )
    fit.add_argument("--seed", type=seed_int, default=D.seed, metavar="S", help="seed for split, batches and data")


def _add_predict(commands) -> None:
    """``cedash predict``: a saved model and the rows to classify."""
    predict = commands.add_parser("predict", help="predict the class of every row of a CSV file with a saved model")
    predict.add_argument("model", metavar="MODEL.json", help="a model written by 'cedash fit --save' or the dashboard")
    predict.add_argument("data", metavar="NEW.csv", help="rows with the model's columns, in any order ('-': stdin)")
    predict.add_argument("--output", metavar="FILE.csv", help="write the predictions here instead of to stdout")


def _add_loss(commands) -> None:
    """``cedash loss``: labels and predicted probabilities, given on the command line."""
    loss = commands.add_parser("loss", help="the mean binary cross-entropy of predicted probabilities")
    loss.add_argument("--y-true", required=True, metavar="LIST", help="true labels, 0 or 1, e.g. 1,0,1,0")
    loss.add_argument("--y-pred", required=True, metavar="LIST", help="predicted P(y=1), e.g. 0.8,0.3,0.7,0.2")


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return {"fit": _fit, "predict": _predict, "loss": _loss}[args.command](args)
    except (UsageError, DataError, ValueError, OSError) as exc:
        _fail(exc)
        return BAD_INPUT
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, with a different status
        _fail(f"internal error ({type(exc).__name__}: {exc}); please report it with the command you ran")
        return 1


def _fail(problem) -> None:
    text = " ".join(str(problem).split()) or type(problem).__name__
    print(f"error: {text}", file=sys.stderr)


# -- fit ---------------------------------------------------------------------------------------------------------------


def _fit(args) -> int:
    limits = Limits.from_env()
    data = _load(args, limits)
    config = RunConfig(
        learning_rate=args.lr,
        max_iter=args.iters,
        optimizer=args.optimizer,
        batch_size=args.batch_size,
        alpha=args.l2,
        fit_intercept=not args.no_intercept,
        standardize=args.standardize,
        degree=args.degree,
        test_size=args.test_size,
        seed=args.seed,
    )
    progress = _Progress(config.max_iter) if sys.stderr.isatty() else None
    try:
        result = experiment.run(data, config, callback=progress, limits=limits)
    finally:
        if progress is not None:
            progress.close()
    if args.history:
        _write_history(args.history, result.loss_curve)
    if args.save:
        _write(args.save, export.model_json(result), "the model")
    summary = _json_safe(result.summary())
    if args.json:
        summary["notes"] = list(_notes(result))
        summary["weights"] = _json_safe(result.weights().to_dict(orient="records"))
        if result.preparation is not None:
            summary["columns"] = _columns(result.preparation)
        print(json.dumps(summary, allow_nan=False))
    else:
        print(_human(result, summary, data))
    return 0


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected column names separated by commas, not {text!r}")
    return names


def _load(args, limits: Limits):
    if (args.data is None) == (args.dataset is None):
        raise UsageError("give either a CSV file or --dataset NAME, not both or neither")
    if args.dataset is not None:
        for flag, value in (("--target", args.target), ("--features", args.features), ("--ignore", args.ignore)):
            if value:
                raise UsageError(f"{flag} applies to CSV files; a built-in data set has its own columns")
        return load_dataset(args.dataset, args.n_samples, args.noise, args.seed, limits=limits)
    source = sys.stdin.buffer if args.data == "-" else args.data
    return read_csv(
        source,
        args.target,
        limits=limits,
        features=args.features,
        ignore=args.ignore,
        missing=args.missing,
        max_categories=args.max_categories,
    )


def _write_history(path: str, losses) -> None:
    _write(path, "iteration,loss\n" + "".join(f"{i},{float(v)!r}\n" for i, v in enumerate(losses)), "the history")


def _write(path: str, text: str, what: str) -> None:
    try:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise OSError(f"cannot write {what} to {path!r}: {exc.strerror or exc}") from None


def _json_safe(value):
    # json.dumps writes NaN and Infinity, which are not JSON; a number that is not finite becomes null.
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _notes(result) -> tuple[str, ...]:
    parts = [result.train] + ([result.test] if result.test is not None else [])
    return tuple(dict.fromkeys(note for part in parts for note in part.notes))


def _columns(preparation) -> list[dict]:
    """Every column with its kind, role and note, and the model inputs made from it."""
    made = {step.name: list(step.outputs) for step in preparation.steps}
    return [
        {"column": c.name, "kind": c.kind, "role": c.role, "note": c.note, "inputs": made.get(c.name, [])}
        for c in preparation.plan.columns
    ]


def _human(result, summary: dict, data) -> str:
    out = [
        f"data: {data.name}, {data.n_samples:,} rows, {data.n_features} features, "
        f"classes {', '.join(map(str, summary['classes']))}"
    ]
    if result.preparation is not None:
        out += _column_lines(result.preparation)
    out += [f"note: {note}" for note in _notes(result)]
    added = result.feature_map.added_features_
    if added:
        out.append(f"added features: {', '.join(added)}")
    split = f"train {result.train.n_samples:,} rows"
    if result.test is not None:
        split += f", test {result.test.n_samples:,} rows"
    out.append(split)
    stopped = f" (diverged at iteration {summary['diverged']})" if summary["diverged"] is not False else ""
    out.append(f"iterations: {summary['n_iter']:,}{stopped}, {summary['fit_seconds']:.2f} s")
    scores = f"train loss {_num(summary['train_loss'])}, accuracy {_pct(summary['train_accuracy'])}"
    if "test_loss" in summary:
        scores += f"; test loss {_num(summary['test_loss'])}, accuracy {_pct(summary['test_accuracy'])}"
    out.append(scores)
    if result.model.diverged_at_ is not None:
        out.append(f"divergence: {result.model.divergence_reason_}; {_advice(result)}")
    out += _weight_lines(result, summary)
    return "\n".join(out)


def _column_lines(preparation) -> list[str]:
    used = [f"{s.name}" + ("" if s.outputs == (s.name,) else f" -> {', '.join(s.outputs)}") for s in preparation.steps]
    lines = [f"features: {'; '.join(used)}"]
    lines += [f"left out {c.name}: {c.note}" for c in preparation.plan.columns if c.role == LEFT_OUT]
    return lines


def _advice(result) -> str:
    if not result.config.standardize and result.spread_ratio > experiment.WIDE_SCALES:
        return (
            f"the inputs' spreads differ {result.spread_ratio:,.0f}-fold, so standardise them first "
            "(leave out --no-standardize)"
        )
    return "try a smaller --lr"


def _weight_lines(result, summary: dict) -> list[str]:
    table = result.weights()
    classes = summary["classes"]
    lines = []
    for k, label in enumerate(classes if len(summary["coef"]) > 1 else classes[-1:]):
        lines.append(
            f"weights toward {label}, largest first (per standard deviation; per unit of the input), "
            f"intercept {_num(summary['intercept'][k])}:"
        )
        rows = table[table["class"] == label]
        lines += [f"  {r.input}: {r.standardized:+.4f}; {r.per_unit:+.6g}" for r in rows.itertuples()]
    return lines


def _num(v) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


class _Progress:
    """A one-line bar redrawn on stderr at most ten times a second."""

    WIDTH = 30

    def __init__(self, total: int):
        self.total = total
        self.last = 0.0
        self.drawn = False

    def __call__(self, iteration: int, loss: float) -> None:
        now = time.monotonic()
        if iteration < self.total and now - self.last < 0.1:
            return
        self.last = now
        filled = self.WIDTH * iteration // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {iteration:,}/{self.total:,}  loss {loss:.4f}")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


# -- predict -----------------------------------------------------------------------------------------------------------


def _predict(args) -> int:
    limits = Limits.from_env()
    try:
        with open(args.model, "rb") as fh:
            text = fh.read(limits.max_upload_bytes + 1)
    except FileNotFoundError:
        raise DataError(f"there is no model file {args.model!r}; check the path") from None
    except OSError as exc:
        raise DataError(f"the model file {args.model!r} cannot be read ({exc.strerror or exc})") from None
    model = SavedModel.from_json(text)
    table = read_raw(sys.stdin.buffer if args.data == "-" else args.data, limits=limits)
    predictions = export.frame_csv(model.predict(table))
    if args.output:
        _write(args.output, predictions, "the predictions")
    else:
        sys.stdout.write(predictions)
    return 0


# -- loss --------------------------------------------------------------------------------------------------------------


def _loss(args) -> int:
    y_true = _number_list(args.y_true, "--y-true")
    y_pred = _number_list(args.y_pred, "--y-pred")
    if len(y_true) != len(y_pred):
        raise UsageError(
            f"--y-true has {len(y_true)} values but --y-pred has {len(y_pred)}; give one of each per sample"
        )
    for flag, values in (("--y-true", y_true), ("--y-pred", y_pred)):
        outside = [v for v in values if not 0 <= v <= 1]
        if outside:
            raise UsageError(f"{flag} values must lie between 0 and 1, but {outside[0]:g} does not")
    print(repr(cross_entropy_loss(y_true, y_pred)))
    return 0


def _number_list(text: str, flag: str) -> list[float]:
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise UsageError(
                f"{flag} must be numbers separated by commas, but {part.strip()!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise UsageError(f"{flag} must hold finite numbers, not {part.strip()!r}")
        values.append(value)
    return values
