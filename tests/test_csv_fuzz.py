"""Fuzz the CSV reader: whatever it is fed, it returns a usable Dataset or raises DataError, nothing else."""

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cedash.data.csv_reader import read_csv
from cedash.data.dataset import DataError, Dataset
from cedash.limits import Limits

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = Limits(max_upload_bytes=20_000, max_rows=50, max_columns=8, max_classes=6)


def outcome(source, **kwargs):
    """The reader's result, checked for the invariants every caller relies on; None for a DataError."""
    try:
        data = read_csv(source, limits=SMALL, **kwargs)
    except DataError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        return None
    assert isinstance(data, Dataset)
    assert data.X.dtype == np.float64 and data.X.ndim == 2 and data.X.shape[1] >= 1
    assert np.isfinite(data.X).all()
    assert len(data.y) == data.n_samples >= 1
    assert 2 <= len(np.unique(data.y)) <= SMALL.max_classes
    assert data.n_samples <= SMALL.max_rows
    assert len(set(data.feature_names)) == data.n_features
    assert data.target_name not in data.feature_names
    assert all(name and name == name.strip() for name in (*data.feature_names, data.target_name))
    return data


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(raw):
    outcome(raw)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text):
    outcome(text + "\n")


PRINTABLE = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**25), 10**25).map(str),
    st.integers(0, 3).map(str),
)
ODD_CELLS = st.one_of(
    st.sampled_from(["", " ", "NA", "nan", "?", "true", "False", "1,5", " 3 ", '"', "a,b", "x\ny", "inf", "-"]),
    PRINTABLE,
)
# Mostly numbers, so that many tables get past the first check and exercise the later ones.
CELLS = st.one_of(NUMBERS, NUMBERS, NUMBERS, ODD_CELLS)
NAMES = st.one_of(st.sampled_from(["x1", "x2", "label", "Y", "class", "", " x ", "1", "x1"]), PRINTABLE)


@st.composite
def tables(draw):
    n_cols = draw(st.sampled_from([1, 2, 2, 3, 3, 4, 5]))
    n_rows = draw(st.integers(0, 8))
    pool = st.sampled_from(["x1", "x2", "x3", "x4", "label", "Y", "Class", " z "])
    good_names = st.lists(pool, min_size=n_cols, max_size=n_cols, unique=True)
    any_names = st.lists(NAMES, min_size=n_cols, max_size=n_cols)
    header = draw(st.one_of(good_names, good_names, any_names))
    misfit = st.sampled_from([0] * 30 + [-1, 1]) if draw(st.booleans()) else st.just(0)
    label = st.sampled_from(["a", "b", "0", "1", " 2 ", "", "TRUE"])
    rows = [[draw(CELLS) for _ in range(n_cols - 1 + draw(misfit))] + [draw(label)] for _ in range(n_rows)]
    return header, rows


def write(header, rows, delimiter, quoting, line_end, encoding):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


WRITING = st.tuples(
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)


@FUZZ
@given(tables(), WRITING, st.one_of(st.none(), st.none(), st.none(), NAMES), st.booleans())
def test_random_tables(table, writing, target, drop):
    header, rows = table
    delimiter, quoting, line_end, encoding = writing
    try:
        raw = write(header, rows, delimiter, quoting, line_end, encoding)
    except csv.Error:
        assume(False)
    outcome(raw, target=target, drop_invalid_rows=drop)


FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ ]{0,8}[A-Za-z0-9_]", fullmatch=True).filter(
    lambda s: s.lower() not in ("inf", "nan", "infinity")
)
LABELS = st.sampled_from([[0, 1], [1, 2], ["cat", "dog", "bird"], [True, False], [-1, 1]])


@st.composite
def clean_tables(draw):
    n_features = draw(st.integers(1, 4))
    names = draw(st.lists(NAME, min_size=n_features + 1, max_size=n_features + 1, unique_by=str.casefold))
    n = draw(st.integers(2, 12))
    X = np.array([[draw(FLOATS) for _ in range(n_features)] for _ in range(n)])
    pool = draw(LABELS)
    y = [pool[i % 2] for i in range(2)] + [draw(st.sampled_from(pool)) for _ in range(n - 2)]
    return names, X, y


@FUZZ
@given(clean_tables(), WRITING, st.booleans(), st.booleans())
def test_clean_tables_round_trip(table, writing, pad, decimal_comma):
    # Any well-formed table comes back exactly, however it was quoted, padded, encoded and line-broken.
    names, X, y = table
    delimiter, quoting, line_end, encoding = writing
    decimal_comma = decimal_comma and delimiter == ";"
    space = " " if pad else ""

    def number(v):
        text = repr(float(v))
        return text.replace(".", ",") if decimal_comma else text

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=line_end)
    writer.writerow([space + nm + space for nm in names])
    for row, label in zip(X, y, strict=True):
        cells = [number(v) for v in row] + [str(label)]
        writer.writerow(cells)
    text = buf.getvalue()
    if pad:
        # White space around every value, outside any quotes.
        text = text.replace(delimiter, space + delimiter + space)
    # Naming the features keeps every column, constant or counting rows, which a default reading leaves out.
    data = read_csv(text.encode(encoding), target=names[-1], features=names[:-1])
    assert data.feature_names == tuple(names[:-1])
    assert data.target_name == names[-1]
    np.testing.assert_array_equal(data.X, X)
    assert data.y.tolist() == y


@FUZZ
@given(
    text=st.text(alphabet=st.sampled_from([",", ";", "\t", "\n", " ", "a", "1", "é", "\u00a0", "€"]), min_size=1),
    delimiter=st.sampled_from([",", ";", "\t"]),
    piece=st.integers(1, 9),
)
def test_fields_are_counted_per_line_as_splitting_the_text_counts_them(text, delimiter, piece):
    from cedash.data import csv_reader

    data = text.encode("utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_reader, "_SCAN_BYTES", piece)  # pieces end anywhere, inside a character too
        breaks, widths = csv_reader._line_widths(data, delimiter)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    assert widths.tolist() == [line.count(delimiter) + 1 for line in lines]
    assert [data[b : b + 1] for b in breaks] == [b"\n"] * text.count("\n")
