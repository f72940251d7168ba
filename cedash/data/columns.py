"""What each column of a table is (its kind) and what it is for (its role), with a note saying why.

A column's *kind* is found from its values: ``number``, ``two values`` (yes/no,
male/female, TRUE/FALSE), ``categories`` (a few text values), ``text`` (long,
mostly different strings), ``date``, ``numbers with text`` (numbers with a few
cells that are not), or ``empty``. Its *role* is ``feature``, ``target`` or
``left out``. Defaults are inferred; the user can name the features to use or
the columns to ignore, and any column named as a feature is used if it can be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from cedash.data.dataset import DataError

NUMBER, TWO_VALUES, CATEGORIES, TEXT, DATE, MIXED, EMPTY = (
    "number",
    "two values",
    "categories",
    "text",
    "date",
    "numbers with text",
    "empty",
)
FEATURE, TARGET, LEFT_OUT = "feature", "target", "left out"
TEXT_KINDS = (TWO_VALUES, CATEGORIES, TEXT)

DEFAULT_MAX_CATEGORIES = 10
"""A text column with at most this many different values becomes that many 0/1 columns."""

TARGET_NAMES = ("label", "target", "class", "y")
"""Column names taken as the target, in this order of preference, when the user names none."""

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "#n/a", "missing"})
"""How spreadsheets and R write a missing value; matched after stripping and lower-casing."""

MIN_ROWS_FOR_ID = 10
"""Below this many rows a column of different values is as likely a feature as an ID, so it is kept."""

FEW_CLASSES = 20
"""A target guess prefers a text column with at most this many values to a numeric one with more."""

_ID_NAMES = frozenset({"id", "index", "idx", "row", "rowid", "row_id", "no", "nr", "#", "number", "unnamed: 0"})
_MARKS = ("yes", "y", "true", "t", "1", "positive", "pos", "present", "on")
_UNMARKS = ("no", "n", "false", "f", "0", "negative", "neg", "absent", "off")
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
_FREE_TEXT_CHARS = 30
_FREE_TEXT = "free text (long and mostly different in every row)"
_ID_TEXT = "a different value in (almost) every row, like a name or an ID"
_TEXT_NOTES = (_FREE_TEXT, _ID_TEXT)
_SAMPLE = 50
_EPOCH = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class ParsedColumn:
    """One column's values in the form its kind needs.

    ``values`` is float64 (NaN where missing or infinite) for numbers and dates,
    and a ``pandas.Categorical`` of stripped strings for the text kinds and for
    numbers with text. ``first_text`` is the row index and cell of the first
    value that is not a number, for numbers with text.
    """

    kind: str
    values: np.ndarray | pd.Categorical
    n_missing: int
    n_distinct: int
    n_infinite: int = 0
    mean_length: float = 0.0
    first_text: tuple[int, str] | None = None
    n_text: int = 0
    running_number: bool = False

    def take(self, rows) -> np.ndarray | pd.Categorical:
        return self.values[rows]

    def missing_mask(self) -> np.ndarray:
        if isinstance(self.values, pd.Categorical):
            return np.asarray(self.values.codes < 0)
        return np.isnan(self.values)


def is_missing_text(text: pd.Series) -> np.ndarray:
    return text.str.lower().isin(MISSING_TOKENS).to_numpy(dtype=bool)


def read_column(col: pd.Series, decimal_comma: bool = False) -> ParsedColumn:
    """Find the kind of a column as pandas read it (numbers, booleans, or text cells) and convert its values."""
    if col.dtype.kind in "iuf":
        return _numbers(col.to_numpy(dtype=np.float64))
    if col.dtype.kind == "b":
        return _text(pd.Series(np.where(col.to_numpy(dtype=bool), "True", "False")), np.zeros(len(col), bool))
    text = col.astype(str).str.strip()
    missing = is_missing_text(text)
    numeric = text.str.replace(",", ".", regex=False) if decimal_comma else text
    n_present = int((~missing).sum())
    if _mostly_words(numeric[~missing]):
        return _words(text, missing)
    values = _parse_numbers(numeric.where(~missing))
    not_number = np.isnan(values) & ~missing
    if not not_number.any():
        return _numbers(values)
    if 2 * int(not_number.sum()) <= n_present:
        first = int(np.argmax(not_number))
        parsed = _text(text, missing)
        return replace(parsed, kind=MIXED, first_text=(first, str(text.iloc[first])), n_text=int(not_number.sum()))
    return _words(text, missing)


def _mostly_words(present: pd.Series) -> bool:
    """Whether most of the first cells are not numbers: then parsing every cell as one is not worth its time."""
    sample = present.iloc[:_SAMPLE]
    return bool(len(sample)) and 2 * int(pd.to_numeric(sample, errors="coerce").isna().sum()) > len(sample)


def _parse_numbers(text: pd.Series) -> np.ndarray:
    # Casting is three times faster than to_numeric and fails when a cell is not a number, but as Python's
    # float() it also takes "1_0" and non-ASCII digits, which to_numeric (and so the reader) calls text.
    plain = text.dropna()
    if plain.str.isascii().all() and not plain.str.contains("_", regex=False).any():
        try:
            return text.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError):
            pass
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _words(text: pd.Series, missing: np.ndarray) -> ParsedColumn:
    folded = text.str.lower()
    if folded[~missing].isin(("true", "false")).all():
        text = pd.Series(np.where(folded == "true", "True", "False")).where(~missing)
        return _text(text, missing)
    days = _dates(text, missing)
    if days is not None:
        return ParsedColumn(DATE, days, int(np.isnan(days).sum()), int(pd.unique(days[~np.isnan(days)]).size))
    return _text(text, missing)


def _numbers(values: np.ndarray) -> ParsedColumn:
    infinite = np.isinf(values)
    if infinite.any():
        values = np.where(infinite, np.nan, values)
    present = values[~np.isnan(values)]
    # numpy's hashing count is 3x faster than pandas' on a million floats (0.0 and -0.0 are one value in both).
    n_distinct = int(np.unique(present, sorted=False).size)
    kind = NUMBER if present.size else EMPTY
    running = present.size == values.size and present.size >= MIN_ROWS_FOR_ID and _counts_rows(values)
    return ParsedColumn(
        kind, values, int(values.size - present.size), n_distinct, int(infinite.sum()), running_number=running
    )


def _counts_rows(values: np.ndarray) -> bool:
    """Whether the values are 0, 1, 2, ... or 1, 2, 3, ... in file order, like a row number."""
    return values[0] in (0.0, 1.0) and bool(np.all(np.diff(values) == 1.0))


def _text(text: pd.Series, missing: np.ndarray) -> ParsedColumn:
    # Straight from pandas' strings: going through an array of Python objects took 5x longer.
    values = pd.Categorical(text.where(~missing))
    n_distinct = len(values.categories)
    lengths = values.categories.str.len().to_numpy() if n_distinct else np.zeros(0)
    counts = np.bincount(values.codes[values.codes >= 0], minlength=n_distinct)
    mean_length = float(lengths @ counts / max(1, counts.sum()))
    kind = EMPTY if n_distinct == 0 else TWO_VALUES if n_distinct == 2 else CATEGORIES
    return ParsedColumn(kind, values, int(missing.sum()), n_distinct, mean_length=mean_length)


def _dates(text: pd.Series, missing: np.ndarray) -> np.ndarray | None:
    """Days since 1970-01-01 if the column holds dates, else None; the first cells decide before all are parsed."""
    present = text[~missing]
    sample = present.iloc[:_SAMPLE]
    if sample.empty or not sample.map(lambda s: bool(_DATE_LIKE.fullmatch(s))).all():
        return None
    return dates_to_days(text, missing)


def dates_to_days(text: pd.Series, missing: np.ndarray) -> np.ndarray | None:
    """Dates written as text, as days since 1970-01-01 (NaN where missing); None if most are not dates."""
    try:
        stamps = pd.to_datetime(text.where(~missing), errors="coerce", format="mixed", dayfirst=False)
    except (ValueError, TypeError, OverflowError):
        return None
    days = ((stamps - _EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(days[~missing]).mean() > 0.05:
        return None
    return days


# -- roles -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnInfo:
    """One column of the user's table: its kind, its role, and why. ``marked`` is the value a two-valued column
    encodes as 1."""

    name: str
    kind: str
    role: str
    note: str
    n_missing: int = 0
    n_distinct: int = 0
    marked: str | None = None


@dataclass(frozen=True)
class ColumnPlan:
    """The role of every column of a table, in the table's order, and the options they were chosen with."""

    columns: tuple[ColumnInfo, ...]
    target: str
    missing: str = "drop"
    max_categories: int = DEFAULT_MAX_CATEGORIES

    @property
    def features(self) -> tuple[ColumnInfo, ...]:
        return tuple(c for c in self.columns if c.role == FEATURE)

    def column(self, name: str) -> ColumnInfo:
        return next(c for c in self.columns if c.name == name)

    def frame(self) -> pd.DataFrame:
        """A table to show: column, kind found, role, note."""
        return pd.DataFrame(
            {
                "column": [c.name for c in self.columns],
                "kind": [c.kind for c in self.columns],
                "role": [c.role for c in self.columns],
                "note": [c.note for c in self.columns],
            }
        )

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "missing": self.missing,
            "max_categories": self.max_categories,
            "columns": [asdict(c) for c in self.columns],
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> ColumnPlan:
        columns = tuple(ColumnInfo(**c) for c in d["columns"])
        return cls(columns, d["target"], d.get("missing", "drop"), int(d.get("max_categories", DEFAULT_MAX_CATEGORIES)))


def guess_target_column(names: list[str], parsed: Mapping[str, ParsedColumn]) -> str:
    """label/target/class/y (any case), else the last column with two values or more, unless that one has many
    values (numbers, say) and a text column with a few values exists: then the last such text column."""
    folded = [nm.casefold() for nm in names]
    for wanted in TARGET_NAMES:
        if wanted in folded:
            return names[folded.index(wanted)]
    # An empty or constant last column (a trailing note, a blank) cannot be what the user wants predicted.
    varied = [nm for nm in names if parsed[nm].n_distinct >= 2] or names
    last = parsed[varied[-1]]
    if last.n_distinct > FEW_CLASSES:
        few = [nm for nm in varied if parsed[nm].kind in TEXT_KINDS and parsed[nm].n_distinct <= FEW_CLASSES]
        if few:
            return few[-1]
    return varied[-1]


def resolve_name(names: list[str], wanted, what: str = "column") -> str:
    """The column called ``wanted``, matched exactly or else ignoring case."""
    wanted = str(wanted).strip()
    if wanted in names:
        return wanted
    folded = [nm for nm in names if nm.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    shown = ", ".join(repr(nm) for nm in names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    raise DataError(f"there is no {what} called {wanted!r}; the columns are {shown}")


def plan_columns(
    names: list[str],
    parsed: Mapping[str, ParsedColumn],
    target: str,
    *,
    features: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    missing: str = "drop",
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    lines: np.ndarray | None = None,
) -> ColumnPlan:
    """Give every column a role: the target, a feature, or left out with a note.

    With ``features`` given, exactly those columns are features (an error says
    why one cannot be); otherwise every usable column is. ``ignore`` leaves
    columns out. ``lines`` (the file line of each row) lets errors point at a cell.
    """
    if missing not in ("drop", "fill"):
        raise DataError(f"missing values can be dropped or filled, not {missing!r}; choose 'drop' or 'fill'")
    if int(max_categories) != max_categories or max_categories < 2:
        raise DataError(f"the category limit must be a whole number of at least 2, not {max_categories!r}")
    ignored = {resolve_name(names, nm) for nm in ignore}
    chosen = None if features is None else [resolve_name(names, nm) for nm in features]
    if chosen is not None and target in chosen:
        raise DataError(f"{target!r} is the target, so it cannot also be a feature; leave it out of the features")
    both = ignored & set(chosen or ())
    if both:
        raise DataError(f"{sorted(both)[0]!r} is named both as a feature and as ignored; name it only once")
    infos = []
    for nm in names:
        col = parsed[nm]
        if nm == target:
            infos.append(ColumnInfo(nm, col.kind, TARGET, "the column to predict", col.n_missing, col.n_distinct))
        elif nm in ignored:
            infos.append(ColumnInfo(nm, col.kind, LEFT_OUT, "ignored as asked", col.n_missing, col.n_distinct))
        elif chosen is not None:
            infos.append(_chosen(nm, col, nm in chosen, max_categories, lines))
        else:
            infos.append(_inferred(nm, col, len(col.values), max_categories, lines))
    plan = ColumnPlan(tuple(infos), target, missing, int(max_categories))
    if not plan.features:
        raise DataError(_no_features(plan))
    return plan


def _inferred(name: str, col: ParsedColumn, n_rows: int, max_categories: int, lines) -> ColumnInfo:
    role, note = _default_role(name, col, n_rows, max_categories, lines)
    # Names, codes and free text are text, whatever their number of values made them look like.
    kind = TEXT if col.kind in TEXT_KINDS and note.startswith(_TEXT_NOTES) else col.kind
    return ColumnInfo(name, kind, role, note, col.n_missing, col.n_distinct, _marked(col))


def _default_role(name: str, col: ParsedColumn, n_rows: int, max_categories: int, lines) -> tuple[str, str]:
    n_present = n_rows - col.n_missing
    unique = col.n_distinct == n_present and n_present >= MIN_ROWS_FOR_ID
    if col.kind == EMPTY:
        return LEFT_OUT, "no values in any row"
    if col.n_distinct == 1:
        return LEFT_OUT, "the same value in every row, so it tells the classes nothing"
    if col.kind == NUMBER:
        if unique and col.n_missing == 0 and (col.running_number or _looks_like_id(name)):
            what = "counts rows 0, 1, 2, ..." if col.running_number else "a different number in every row"
            return LEFT_OUT, f"{what}, like a row number or an ID; name it as a feature to use it"
        return FEATURE, "numbers"
    if col.kind == DATE:
        return LEFT_OUT, "dates; name it as a feature to use it as the number of days since 1970-01-01"
    if col.kind == MIXED:
        row, cell = col.first_text
        return LEFT_OUT, f"numbers, but {_where(row, lines)} has {_shorten(cell)!r}; fix such cells to use it"
    many = col.n_distinct >= 0.95 * n_present and n_present >= MIN_ROWS_FOR_ID and col.n_distinct > max_categories
    if many and col.mean_length >= _FREE_TEXT_CHARS:
        return LEFT_OUT, _FREE_TEXT
    if unique or many or (_looks_like_id(name) and col.n_distinct > max_categories):
        return LEFT_OUT, _ID_TEXT
    if col.kind == TWO_VALUES:
        return FEATURE, f"two values; a 0/1 column that is 1 for {_marked(col)!r}"
    if col.n_distinct <= max_categories:
        return FEATURE, f"{col.n_distinct} categories; one 0/1 column each"
    return LEFT_OUT, (
        f"{col.n_distinct:,} different values, more than the category limit of {max_categories}; "
        f"raise the limit to {col.n_distinct:,} to use it as that many 0/1 columns"
    )


def _chosen(name: str, col: ParsedColumn, wanted: bool, max_categories: int, lines) -> ColumnInfo:
    if not wanted:
        return ColumnInfo(name, col.kind, LEFT_OUT, "not among the chosen features", col.n_missing, col.n_distinct)
    if col.kind == EMPTY:
        raise DataError(f"column {name!r} has no values; fill it in or remove the column")
    if col.kind == MIXED:
        row, cell = col.first_text
        where = _where(row, lines)
        others = f" and {col.n_text - 1:,} other" + ("s" if col.n_text > 2 else "") if col.n_text > 1 else ""
        raise DataError(
            f"column {name!r} must hold numbers to be a feature, but {where} has {_shorten(cell)!r}{others}; "
            "fix the values, remove the column, or choose it as the target"
        )
    if col.kind in (CATEGORIES, TEXT) and col.n_distinct > max_categories:
        raise DataError(
            f"column {name!r} has {col.n_distinct:,} different values, more than the category limit of "
            f"{max_categories}; raise the limit to {col.n_distinct:,} to use it as that many 0/1 columns"
        )
    kind_note = {
        NUMBER: "numbers",
        DATE: "dates, used as the number of days since 1970-01-01",
        TWO_VALUES: f"two values; a 0/1 column that is 1 for {_marked(col)!r}",
        CATEGORIES: f"{col.n_distinct} categories; one 0/1 column each",
    }[col.kind]
    return ColumnInfo(name, col.kind, FEATURE, f"{kind_note} (chosen)", col.n_missing, col.n_distinct, _marked(col))


def _where(row: int, lines) -> str:
    return f"line {int(lines[row]):,}" if lines is not None else f"row {row + 1:,}"


def _marked(col: ParsedColumn) -> str | None:
    """Of a two-valued column's values, the one a 0/1 column marks: yes over no, else the later in sorted order."""
    if col.kind != TWO_VALUES:
        return None
    a, b = sorted(col.values.categories, key=str.casefold)
    if a.casefold() in _MARKS or b.casefold() in _UNMARKS:
        return a
    return b


def _looks_like_id(name: str) -> bool:
    folded = name.strip().casefold()
    return folded in _ID_NAMES or name.endswith(("Id", "ID")) or folded.endswith(("_id", " id", "-id", ".id"))


def _no_features(plan: ColumnPlan) -> str:
    out = [c for c in plan.columns if c.role == LEFT_OUT]
    if not out:
        return "the table has no column besides the target; add feature columns"
    listed = "; ".join(f"{c.name!r}: {c.note}" for c in out[:3])
    listed += f"; and {len(out) - 3} more" if len(out) > 3 else ""
    return f"no column is left to use as a feature ({listed}); name a column as a feature to use it anyway"


def _shorten(value: str, width: int = 30) -> str:
    return value[: width - 3] + "..." if len(value) > width else value
