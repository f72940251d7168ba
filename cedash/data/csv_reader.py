"""Reading a CSV file that a user uploaded, whatever is in it.

The result is a :class:`~cedash.data.dataset.Dataset`, or a :class:`~cedash.data.dataset.DataError`
whose message is one sentence naming the problem, where it is, and what to do.
No other exception leaves :func:`read_csv`, and nothing in the file is ever
evaluated or unpickled: cells are only ever parsed as numbers or kept as text.

Line numbers in messages are the file's lines as a text editor numbers them:
the header is line 1 (unless blank lines come before it), and blank lines and
line breaks inside quoted values are counted.

Parsing is done by pandas. A first pass with the standard ``csv`` module, which
tokenises the same way, checks that every row has as many fields as the header
(pandas silently pads short rows) and records the line each row starts on.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cedash.data.columns import (
    DEFAULT_MAX_CATEGORIES,
    MISSING_TOKENS,
    TARGET_NAMES,
    guess_target_column,
    plan_columns,
    read_column,
    resolve_name,
)
from cedash.data.dataset import DataError, Dataset
from cedash.data.preparation import check_width, table_dataset
from cedash.limits import DEFAULT_LIMITS, Limits

DELIMITERS = (",", ";", "\t")

_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or another zip archive; save the sheet as CSV text"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook; save the sheet as CSV text"),
    (b"\x1f\x8b", "gzip-compressed; decompress it first"),
    (b"%PDF", "a PDF document; export the table as CSV text"),
    (b"\x89PNG", "a PNG image; upload the data as CSV text"),
    (b"\xff\xd8\xff", "a JPEG image; upload the data as CSV text"),
    (
        (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"),
        "a Python pickle, which cedash never opens; upload CSV text",
    ),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ALLOWED_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")
_DECIMAL_POINT = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")
_SAMPLE_CHARS = 65536
_SAMPLE_ROWS = 50
_SHOWN = 5


class InvalidRowsError(DataError):
    """Rows with missing or infinite values: reading again with ``drop_invalid_rows=True`` drops them.

    The message ends with "drop those rows" (or "drop that row"), so a caller can
    name its own way of doing that, such as a command-line flag.
    """

    def __init__(self, message: str, n_rows: int, lines: tuple[int, ...]):
        super().__init__(message)
        self.n_rows = n_rows
        self.lines = lines


def guess_target(columns) -> str:
    """The column to predict when the user names none: label, target, class or y (any case), else the last."""
    columns = list(columns)
    if not columns:
        raise DataError("there are no columns to choose a target from; add a header line with column names")
    folded = [str(c).strip().casefold() for c in columns]
    for wanted in TARGET_NAMES:
        if wanted in folded:
            return columns[folded.index(wanted)]
    return columns[-1]


def read_csv(
    source,
    target: str | None = None,
    *,
    drop_invalid_rows: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
    name: str | None = None,
    features: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    missing: str = "drop",
    max_categories: int = DEFAULT_MAX_CATEGORIES,
) -> Dataset:
    """Read a CSV table into a :class:`Dataset`, or raise :class:`DataError` saying why it can't be used.

    ``source`` is the file's bytes, its text (a ``str`` holding a line break), a
    path, or a binary file object such as an upload. ``target`` names the column
    to predict; by default :func:`~cedash.data.columns.guess_target_column` picks it.

    Every other column gets a role (see :mod:`cedash.data.columns`): by default
    every usable column is a feature, and ID-like, free-text, constant, date and
    many-valued columns are left out with a note; ``features`` names exactly the
    columns to use, ``ignore`` columns to leave out. Text columns of up to
    ``max_categories`` values become 0/1 columns. Rows with no target are left
    out; rows missing a feature value are dropped (``missing="drop"``) or filled
    in (``missing="fill"``), and the ``notes`` say which and how many. The data
    set's ``table`` keeps the columns and their roles, so a run fits the
    preparation on its training part only.

    ``drop_invalid_rows`` (True or False) asks for the reading made before
    column roles, for callers not yet moved to them: every feature must be
    numeric, and rows with missing or infinite values are an error unless it is
    true, when they are dropped with a note.
    """
    text, default_name, notes = _load_text(source, limits)
    names, frame, lines, decimal = _read_table(text, keep_index=drop_invalid_rows is None, limits=limits)
    del text  # the table holds it all now; at a million rows the text is another 165 MB
    shown = name or default_name or "data"
    if drop_invalid_rows is not None:
        return _numeric_dataset(names, frame, lines, decimal, notes, target, drop_invalid_rows, limits, shown)
    options = {"features": features, "ignore": ignore, "missing": missing, "max_categories": max_categories}
    return _table(names, frame, lines, decimal, notes, target, options, limits, shown)


@dataclass(frozen=True)
class RawTable:
    """A table's cells as read, before any column has a role: what a saved model predicts from."""

    names: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    decimal_comma: bool
    name: str
    notes: tuple[str, ...] = ()


def read_raw(source, *, limits: Limits = DEFAULT_LIMITS, name: str | None = None) -> RawTable:
    """The cells of a CSV table with their column names and file lines, or a :class:`DataError` saying why not."""
    text, default_name, notes = _load_text(source, limits)
    names, frame, lines, decimal = _read_table(text, keep_index=True, limits=limits)
    return RawTable(names, frame, lines, decimal == ",", name or default_name or "data", tuple(notes))


def _read_table(text: str, keep_index: bool, limits: Limits):
    """Column names, the cells as pandas read them, each row's line in the file, and the decimal mark."""
    text, line_offset = _trim_blank_lines(text)
    if not text.strip():
        raise DataError("the file is empty; upload a CSV file with a header line and rows of data")
    delimiter, decimal = _sniff(text)
    data = text.encode("utf-8")  # the scan counts fields in it and pandas parses it
    header, lines = _scan(text, data, delimiter, limits)
    lines += line_offset
    if not lines.size:
        raise DataError("the file has a header line but no data rows; add rows of data below the header")
    frame = _parse(data, delimiter, decimal, len(header), lines, line_offset)
    del data  # another copy of the file: gone before the columns are read
    names, frame, lines = _clean_table(header, frame, lines, keep_index)
    return names, frame, lines, decimal


def _table(names, frame, lines, decimal, notes, target, options, limits: Limits, name: str) -> Dataset:
    """The table with column roles: its Dataset holds the preparation fitted on every kept row."""
    parsed = {nm: read_column(frame[j], decimal == ",") for j, nm in enumerate(names)}
    target_name = resolve_name(names, target) if target is not None else guess_target_column(names, parsed)
    y, y_missing = _labels(frame[names.index(target_name)])
    del frame
    if y_missing.all():
        raise DataError(f"the target column {target_name!r} has no values; choose another column as the target")
    if y_missing.any():
        n = int(y_missing.sum())
        where = _line_list(lines[y_missing])
        notes.append(f"left out {_count(n, 'row')} with no value in the target {target_name!r} ({where})")
    _check_classes(_finish_labels(y[~y_missing]), target_name, limits)
    plan = plan_columns(names, parsed, target_name, lines=lines, **options)
    keep = ~y_missing
    if plan.missing == "drop":
        keep = _drop_incomplete(plan, parsed, keep, lines, notes)
    else:
        _note_gaps(plan, parsed, keep, notes)
    rows = np.flatnonzero(keep)
    y = _finish_labels(y[rows])
    if len(rows) < keep.size and len(np.unique(y)) < 2:
        raise DataError(
            f"after dropping the rows with missing values, the target {target_name!r} holds only one class "
            f"({_shorten(y[0].item())!r}); fill missing values instead, or leave out the columns that miss them"
        )
    whole = len(rows) == keep.size
    values = {c.name: parsed[c.name].values if whole else parsed[c.name].values[rows] for c in plan.features}
    check_width(plan, values, limits.max_columns)
    return table_dataset(plan, values, lines[rows], y, name, notes)


def _drop_incomplete(plan, parsed, keep: np.ndarray, lines: np.ndarray, notes: list[str]) -> np.ndarray:
    """``keep`` without the rows that miss a feature value; a note says how many, where and in which columns."""
    bad = np.zeros_like(keep)
    counts = {}
    for info in plan.features:
        column_missing = parsed[info.name].missing_mask() & keep
        if column_missing.any():
            counts[info.name] = int(column_missing.sum())
            bad |= column_missing
    if not bad.any():
        return keep
    columns = ", ".join(f"{nm!r} ({n:,})" for nm, n in counts.items())
    if not (keep & ~bad).any():
        raise DataError(
            f"every row misses a value in {columns}, so none is left after dropping them; "
            "fill missing values instead, or leave out those columns"
        )
    infinite = any(parsed[nm].n_infinite for nm in counts)
    kind = "missing or infinite" if infinite else "missing"
    notes.append(
        f"dropped {_count(int(bad.sum()), 'row')} with {kind} values ({_line_list(lines[bad])}) in {columns}; "
        "filling missing values instead keeps them"
    )
    return keep & ~bad


def _note_gaps(plan, parsed, keep: np.ndarray, notes: list[str]) -> None:
    counts = {c.name: int((parsed[c.name].missing_mask() & keep).sum()) for c in plan.features}
    gaps = {nm: n for nm, n in counts.items() if n}
    if gaps:
        columns = ", ".join(f"{nm!r} ({n:,})" for nm, n in gaps.items())
        notes.append(
            f"missing values in {columns} are filled with the median or most frequent value of the training part"
        )


def _numeric_dataset(names, frame, lines, decimal, notes, target, drop_invalid_rows, limits, name) -> Dataset:
    """Every column but the target must hold numbers; rows with missing or infinite values are refused or dropped."""
    target_name = _resolve_target(names, target)
    t = names.index(target_name)
    y, y_missing = _labels(frame[t])
    feature_idx = [j for j in range(len(names)) if j != t]
    X = np.empty((len(frame), len(feature_idx)))
    missing = {target_name: y_missing} if y_missing.any() else {}
    infinite = {}
    for out, j in enumerate(feature_idx):
        X[:, out], col_missing = _numbers(frame[j], names[j], lines, decimal == ",")
        if col_missing.all():
            raise DataError(f"column {names[j]!r} has no values; fill it in or remove the column")
        if col_missing.any():
            missing[names[j]] = col_missing
        col_infinite = np.isinf(X[:, out])
        if col_infinite.any():
            infinite[names[j]] = col_infinite
    bad = np.zeros(len(frame), dtype=bool)
    for mask in (*missing.values(), *infinite.values()):
        bad |= mask
    if bad.any():
        kind = " or ".join(k for k, found in (("missing", missing), ("infinite", infinite)) if found)
        columns = [nm for nm in names if nm in missing or nm in infinite]
        if not drop_invalid_rows:
            message = _invalid_rows_message(bad, lines, kind, columns)
            raise InvalidRowsError(message, int(bad.sum()), tuple(int(v) for v in lines[bad]))
        if bad.all():
            raise DataError(f"every row has a {kind} value, so none is left after dropping them; fill the values in")
        n_bad = int(bad.sum())
        notes.append(f"dropped {_count(n_bad, 'row')} with {kind} values ({_line_list(lines[bad])})")
        X, y, lines = X[~bad], y[~bad], lines[~bad]
    y = _finish_labels(y)
    _check_classes(y, target_name, limits)
    return Dataset(X, y, tuple(names[j] for j in feature_idx), target_name, name, tuple(notes))


# -- getting text ------------------------------------------------------------------------------------------------------


def _load_text(source, limits: Limits) -> tuple[str, str | None, list[str]]:
    """The file's text, a name to show for it, and notes about how it was decoded."""
    shown = None
    if isinstance(source, str) and ("\n" in source or "\r" in source or not _looks_like_path(source)):
        raw = source
    elif isinstance(source, str | os.PathLike):
        raw, shown = _read_path(source, limits), Path(source).name
    elif isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    elif hasattr(source, "read"):
        raw, shown = _read_stream(source, limits), getattr(source, "name", None)
    else:
        raise DataError(f"cannot read data from a {type(source).__name__}; give the file's bytes, text or path")
    shown = shown if isinstance(shown, str) else None
    if not isinstance(raw, str | bytes):
        raise DataError(f"the upload gave a {type(raw).__name__} instead of text; upload the CSV file again")
    if len(raw) > limits.max_upload_bytes:
        raise DataError(_too_big(len(raw), limits))
    if isinstance(raw, str):
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            raise DataError("the text holds characters that are not valid Unicode; save it again as UTF-8") from None
        return _check_text(raw.removeprefix("\ufeff")), shown, []
    text, notes = _decode(raw)
    return _check_text(text), shown, notes


def _looks_like_path(s: str) -> bool:
    return os.path.exists(s) or s.lower().endswith((".csv", ".tsv", ".txt")) or os.sep in s


def _read_path(path, limits: Limits) -> bytes:
    shown = os.fspath(path)
    try:
        size = os.stat(path).st_size
        if size <= limits.max_upload_bytes:
            with open(path, "rb") as fh:
                return fh.read(limits.max_upload_bytes + 1)
    except FileNotFoundError:
        raise DataError(f"there is no file {shown!r}; check the path") from None
    except IsADirectoryError:
        raise DataError(f"{shown!r} is a folder, not a file; give the path of a CSV file") from None
    except PermissionError:
        raise DataError(f"the file {shown!r} cannot be opened (permission denied); check its permissions") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"the file {shown!r} cannot be read ({_first_line(exc)}); check the path") from None
    raise DataError(_too_big(size, limits))


def _read_stream(stream, limits: Limits):
    try:
        # A pipe cannot rewind and needs no rewinding; an upload read before must.
        if getattr(stream, "seekable", lambda: False)():
            stream.seek(0)
        return stream.read(limits.max_upload_bytes + 1)
    except (OSError, ValueError) as exc:
        raise DataError(f"the upload cannot be read ({_first_line(exc)}); try uploading it again") from None


def _too_big(size: int, limits: Limits) -> str:
    return f"the file is {_size(size)}, over the limit of {_size(limits.max_upload_bytes)}; upload a sample of its rows"


def _size(n: int) -> str:
    if n < 1000:
        return _count(n, "byte")
    if n < 1_000_000:
        return f"{n / 1e3:.1f} kB"
    return f"{n / 1e6:,.1f} MB"


def _decode(raw: bytes) -> tuple[str, list[str]]:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export is UTF-16 with a byte order mark.
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            raise DataError("the file starts like UTF-16 text but is not; save it as UTF-8 CSV text") from None
    for signature, what in _BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise DataError(f"the file is not CSV text: it looks like {what}")
    zero = raw.find(b"\x00")
    if zero >= 0:
        raise DataError(
            f"the file is not text (byte {zero + 1:,} is a zero byte); upload a CSV file saved as plain text"
        )
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    # Windows-1252 is what Excel writes on most Western machines; Latin-1 accepts any byte, and whatever
    # decodes to control characters that way is caught as not-text afterwards.
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return raw.decode(encoding), [f"the file is not UTF-8, so it was read as {label} text"]
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _check_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\x1a")
    # For ASCII text, deleting every allowed byte leaves the control characters: 5x faster than the regex.
    if text.isascii() and not text.encode("ascii").translate(None, _ALLOWED_ASCII):
        return text
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise DataError(
            f"the file does not look like text (line {line:,} holds the control character "
            f"U+{ord(found.group()):04X}); upload a CSV file saved as plain text"
        )
    return text


def _trim_blank_lines(text: str) -> tuple[str, int]:
    # Leading blank lines would be taken for the header; trailing ones would turn every column into text.
    lead = _LEADING_BLANK_LINES.match(text)
    offset = 0
    if lead:
        offset = lead.group().count("\n")
        text = text[lead.end() :]
    # Only whole blank lines go: the last row's trailing tabs may be its empty last field.
    end = text.find("\n", _content_end(text))
    return (text if end < 0 else text[: end + 1]), offset


def _content_end(text: str) -> int:
    """``len(text.rstrip(" \t\n"))``, looking at the end of the text only instead of copying all of it."""
    end = len(text)
    while end > 0:
        chunk = text[max(0, end - 65536) : end]
        kept = len(chunk.rstrip(" \t\n"))
        if kept:
            return end - len(chunk) + kept
        end -= len(chunk)
    return 0


# -- structure ---------------------------------------------------------------------------------------------------------


def _reader(text: str, delimiter: str):
    return csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=True)


def _is_blank(record: list[str]) -> bool:
    return not record or (len(record) == 1 and not record[0].strip())


def _sniff(text: str) -> tuple[str, str]:
    """The delimiter and decimal mark: the delimiter that splits the first rows most consistently wins."""
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score, best_rows = ",", None, []
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in _reader(sample, delimiter) if not _is_blank(r)][:_SAMPLE_ROWS]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        agree = sum(len(r) == width for r in rows[1:]) / max(1, len(rows) - 1)
        score = (agree, width)
        if best_score is None or score > best_score:
            best, best_score, best_rows = delimiter, score, rows
    decimal = "."
    if best != ",":
        cells = [c.strip() for r in best_rows[1:] for c in r]
        if any(_DECIMAL_COMMA.fullmatch(c) for c in cells) and not any(_DECIMAL_POINT.fullmatch(c) for c in cells):
            decimal = ","
    return best, decimal


def _scan(text: str, data: bytes, delimiter: str, limits: Limits) -> tuple[list[str], np.ndarray]:
    """The header, and the line each data row starts on; checks field counts and the row limit on the way.

    ``data`` is ``text`` encoded as UTF-8.
    """
    if '"' in text:
        return _scan_quoted(text, delimiter, limits)
    # Without quotes every line is one record and its fields are its delimiters plus one; counted in the
    # bytes by numpy, 10x faster than splitting the text into lines (a delimiter byte is never part of a
    # longer UTF-8 character).
    first = text.find("\n")
    header = [field.lstrip(" ") for field in (text if first < 0 else text[:first]).split(delimiter)]
    _check_header_size(header, limits)
    breaks, widths = _line_widths(data, delimiter)
    widths = widths[1:]
    for i in np.flatnonzero(widths != len(header)):
        line = data[breaks[i] + 1 : breaks[i + 1] if i + 1 < len(breaks) else len(data)]
        if line.decode("utf-8").strip():
            _wrong_width(int(i) + 2, int(widths[i]), len(header), delimiter)
    _check_rows(int(np.count_nonzero(widths == len(header))), limits)
    return header, np.arange(2, len(widths) + 2, dtype=np.int64)


_SCAN_BYTES = 1 << 23
"""Bytes looked at in one go when counting fields: the masks and positions of a piece stay a few tens of MB."""


def _line_widths(data: bytes, delimiter: str) -> tuple[np.ndarray, np.ndarray]:
    """Where each line break is, and the fields on each line (delimiters plus one), as ``str.split("\\n")``
    cuts the text into lines, less the empty one after a final line break."""
    buf = np.frombuffer(data, dtype=np.uint8)
    mark = ord(delimiter)
    breaks, before = [], []
    seen = 0
    for start in range(0, len(buf), _SCAN_BYTES):
        piece = buf[start : start + _SCAN_BYTES]
        ends = np.flatnonzero(piece == 10)
        marks = np.flatnonzero(piece == mark)
        breaks.append(ends + start)
        before.append(seen + np.searchsorted(marks, ends))
        seen += len(marks)
    breaks, counts = np.concatenate(breaks), np.concatenate(before)  # the text is never empty here
    if not data.endswith(b"\n"):
        counts = np.append(counts, seen)
    return breaks, np.diff(counts, prepend=0) + 1


def _scan_quoted(text: str, delimiter: str, limits: Limits) -> tuple[list[str], np.ndarray]:
    reader = _reader(text, delimiter)
    total_lines = text.count("\n") + (not text.endswith("\n"))
    starts = array("q")
    header: list[str] | None = None
    rows = 0
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if header is None:
                header = record
                _check_header_size(header, limits)
                continue
            starts.append(start)
            if len(record) == len(header):
                rows += 1
                if rows > limits.max_rows:
                    _check_rows(rows, limits)
            elif not _is_blank(record):
                if end >= total_lines and any("\n" in field for field in record):
                    raise DataError(_unclosed_quote(start))
                _wrong_width(start, len(record), len(header), delimiter)
    except csv.Error as exc:
        start = end + 1
        if "field larger" in str(exc):
            raise DataError(
                f"line {start:,} holds a value over {csv.field_size_limit():,} characters long; "
                "check it for a quote that is never closed"
            ) from None
        raise DataError(f"line {start:,} cannot be read as CSV ({_first_line(exc)}); check its quotes") from None
    return header or [], np.frombuffer(starts, dtype=np.int64).copy()


def _wrong_width(line: int, width: int, expected: int, delimiter: str):
    raise DataError(
        f"line {line:,} has {_count(width, 'field')} but the header has {expected}; "
        f"check that line for a missing or extra {_delimiter_name(delimiter)}, and quote values that contain one"
    )


def _check_rows(rows: int, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise DataError(
            f"the file has more than {_count(limits.max_rows, 'data row')}, the limit; upload a sample of its rows"
        )


def _check_header_size(header: list[str], limits: Limits) -> None:
    if len(header) > limits.max_columns:
        raise DataError(
            f"the file has {len(header):,} columns, more than the limit of {limits.max_columns:,}; "
            "keep only the columns you need"
        )
    if len(header) < 2:
        shown = f" ({header[0].strip()!r})" if header and header[0].strip() else ""
        raise DataError(
            f"the file has only one column{shown}; it needs feature columns and a target column "
            "separated by commas, semicolons or tabs"
        )


def _unclosed_quote(line: int) -> str:
    return f'the quote (") opened on line {line:,} is never closed; close it or remove it'


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]


def _parse(data: bytes, delimiter: str, decimal: str, width: int, lines: np.ndarray, line_offset: int) -> pd.DataFrame:
    try:
        # Bytes, not io.StringIO: StringIO keeps 4 bytes per character, which for a 165 MB upload
        # was 660 MB of the reader's 1.3 GB peak.
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8",
            sep=delimiter,
            decimal=decimal,
            quotechar='"',
            doublequote=True,
            header=0,
            index_col=False,
            skipinitialspace=True,
            skip_blank_lines=False,  # one row per csv record keeps rows and line numbers aligned
            keep_default_na=False,
            na_filter=False,
            low_memory=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        if "EOF inside string" in str(exc):
            raise DataError(_unclosed_quote(int(lines[-1]) if lines.size else line_offset + 1)) from None
        raise DataError(
            f"the file cannot be read as CSV ({_first_line(exc)}); check its quotes and delimiters"
        ) from None
    except Exception as exc:  # pandas is a black box here: whatever it raises, the user gets one sentence
        raise DataError(
            f"the file cannot be read as CSV ({_first_line(exc)}); check its quotes and delimiters"
        ) from None
    if frame.shape != (len(lines), width):
        raise DataError("the rows of the file cannot be told apart reliably; check its quote characters")
    frame.columns = range(width)
    return frame


INDEX_NAME = "Unnamed: 0"
"""The name given to a nameless first column, as pandas names the row index it writes there."""


def _clean_table(header: list[str], frame: pd.DataFrame, lines: np.ndarray, keep_index: bool = False):
    """Drop empty rows and nameless empty columns, then check the column names.

    With ``keep_index`` a nameless first column holding values is kept as :data:`INDEX_NAME`.
    """
    text_cols = [j for j in frame.columns if frame[j].dtype.kind not in "biuf"]
    empty = {j: frame[j].astype(str).str.strip().eq("").to_numpy() for j in text_cols}
    if len(empty) == frame.shape[1]:
        # Spreadsheets write ";;;" for empty rows; they are blank lines, not rows of missing values.
        blank_rows = np.logical_and.reduce(list(empty.values()))
        if blank_rows.any():
            frame, lines = frame[~blank_rows], lines[~blank_rows]
            empty = {j: e[~blank_rows] for j, e in empty.items()}
            if not len(frame):
                raise DataError("the file has a header line but no data rows; add rows of data below the header")
    names = [_clean_name(h) for h in header]
    if not any(names):
        raise DataError("the first line holds no column names; add a header line such as x1,x2,label")
    # A delimiter at the end of every line makes a nameless, empty last column; it is not data.
    keep = [j for j, nm in enumerate(names) if nm or not (j in empty and empty[j].all())]
    if keep_index and keep and keep[0] == 0 and not names[0] and INDEX_NAME not in names:
        names[0] = INDEX_NAME
    for j, nm in enumerate(names):
        if j in keep and not nm:
            raise DataError(
                f"column {j + 1} has no name in the header line; give it a name, or delete it if it is a row index"
            )
    names = [names[j] for j in keep]
    frame = frame[keep]
    frame.columns = range(len(keep))
    if len(names) < 2:
        raise DataError(
            f"the file has only one column ({names[0]!r}); it needs feature columns and a target column "
            "separated by commas, semicolons or tabs"
        )
    seen = {}
    for j, nm in enumerate(names):
        if nm in seen:
            raise DataError(
                f"the column name {nm!r} appears twice in the header (columns {seen[nm] + 1} and {j + 1}); "
                "rename one of them"
            )
        seen[nm] = j
    if all(_is_number(nm) for nm in names):
        raise DataError(
            f"the first line holds numbers ({', '.join(names[:3])}, ...) instead of column names; "
            "add a header line such as x1,x2,label"
        )
    return names, frame, lines


def _clean_name(name: str) -> str:
    return name.strip().strip("\ufeff").strip()


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _resolve_target(names: list[str], target) -> str:
    return guess_target(names) if target is None else resolve_name(names, target)


# -- values ------------------------------------------------------------------------------------------------------------


def _numbers(col: pd.Series, name: str, lines: np.ndarray, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """A feature column as float64, with the mask of missing cells; text that is not a number is an error."""
    if col.dtype.kind in "biuf":
        values = col.to_numpy(dtype=np.float64)
        return values, np.zeros(len(values), dtype=bool)
    text = col.astype(str).str.strip()
    folded = text.str.lower()
    missing = folded.isin(MISSING_TOKENS).to_numpy(dtype=bool)
    numeric = text.str.replace(",", ".", regex=False) if decimal_comma else text
    values = pd.to_numeric(numeric.where(~missing), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    not_number = np.isnan(values) & ~missing
    if not_number.any():
        present = folded[~missing]
        if present.isin(("true", "false")).all():
            values = np.where(missing, np.nan, (folded == "true").to_numpy(dtype=np.float64))
            return values, missing
        first = int(np.argmax(not_number))
        n_bad = int(not_number.sum())
        others = f" and {_count(n_bad - 1, 'other')}" if n_bad > 1 else ""
        raise DataError(
            f"column {name!r} must hold numbers to be a feature, but line {int(lines[first]):,} has "
            f"{_shorten(text.iloc[first])!r}{others}; fix the values, remove the column, or choose it as the target"
        )
    return values, missing


def _labels(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Labels as given, normalised (stripped text, whole numbers as ints), with the mask of missing ones."""
    if col.dtype.kind == "b":
        return col.to_numpy(dtype=bool), np.zeros(len(col), dtype=bool)
    if col.dtype.kind in "iuf":
        values = col.to_numpy(dtype=np.float64)
        return values, ~np.isfinite(values)
    text = col.astype(str).str.strip()
    folded = text.str.lower()
    absent = folded.isin(MISSING_TOKENS).to_numpy(dtype=bool)
    values = pd.to_numeric(text.where(~absent), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if not (np.isnan(values) & ~absent).any():
        return values, ~np.isfinite(values)
    missing = text.eq("").to_numpy(dtype=bool)
    if folded[~missing].isin(("true", "false")).all():
        return (folded == "true").to_numpy(dtype=bool), missing
    return text.to_numpy(dtype=str), missing


def _finish_labels(y: np.ndarray) -> np.ndarray:
    if y.dtype.kind == "f" and np.all(y == np.round(y)) and np.all(np.abs(y) < 2.0**53):
        return y.astype(np.int64)
    return y


def _check_classes(y: np.ndarray, target: str, limits: Limits) -> None:
    classes = np.unique(y)
    if len(classes) > limits.max_classes:
        raise DataError(
            f"the target column {target!r} has {len(classes):,} different values, more than the "
            f"{limits.max_classes} classes allowed; choose a column of class labels as the target"
        )
    if len(classes) < 2:
        raise DataError(
            f"the target column {target!r} holds only one class ({_shorten(classes[0].item())!r}); "
            "a classifier needs at least two, so choose another target or add rows of another class"
        )


def _invalid_rows_message(bad: np.ndarray, lines: np.ndarray, kind: str, columns: list[str]) -> str:
    n_bad = int(bad.sum())
    where = _line_list(lines[bad])
    cols = _names_list(columns, _SHOWN)
    column_word = "column" if len(columns) == 1 else "columns"
    if n_bad == 1:
        article = "an" if kind.startswith("i") else "a"
        return f"1 row has {article} {kind} value, on {where} in {column_word} {cols}; fill it in, or drop that row"
    return (
        f"{n_bad:,} of {len(bad):,} rows have {kind} values, on {where} in {column_word} {cols}; "
        "fill them in, or drop those rows"
    )


# -- wording -----------------------------------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _line_list(lines: np.ndarray) -> str:
    shown = [f"{int(v):,}" for v in lines[:_SHOWN]]
    more = len(lines) - len(shown)
    if len(shown) == 1:
        return f"line {shown[0]}"
    if more:
        return f"lines {', '.join(shown)} and {more:,} more"
    return f"lines {', '.join(shown[:-1])} and {shown[-1]}"


def _names_list(names: list[str], most: int) -> str:
    shown = ", ".join(repr(nm) for nm in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _shorten(value, width: int = 30):
    if isinstance(value, str) and len(value) > width:
        return value[: width - 3] + "..."
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    # Library messages can hold several sentences ("Error tokenizing data. C error: ..."); ours are one.
    return (text[0] if text else type(exc).__name__).rstrip(".").replace(". ", ": ")
