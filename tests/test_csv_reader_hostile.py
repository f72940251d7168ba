"""The CSV reader against hostile files: nothing is evaluated or unpickled, and its byte limit holds.

What the dashboard makes of such files is in test_app_hostile.py and, in a real browser, test_browser_hostile.py.
"""

from __future__ import annotations

import csv
import io
import os
import pickle
import tomllib
from pathlib import Path

import pytest
from hostile_inputs import FORMULAS

from cedash.data.csv_reader import read_csv
from cedash.data.dataset import DataError
from cedash.limits import Limits

MIB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[1]

# --- no user data is evaluated or unpickled --------------------------------------------------------------------


class _Boom:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def no_eval(monkeypatch):
    """Make every way to evaluate or unpickle fail loudly while the reader runs."""

    def refuse(*args, **kwargs):
        raise AssertionError("the CSV reader evaluated or unpickled user data")

    for module, name in ((pickle, "loads"), (pickle, "load"), (pickle, "Unpickler")):
        monkeypatch.setattr(module, name, refuse)
    import pandas as pd

    monkeypatch.setattr(pd, "eval", refuse)
    monkeypatch.setattr(pd, "read_pickle", refuse)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_payloads_are_refused_and_never_loaded(tmp_path, no_eval, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Boom(marker), protocol=protocol)
    path = tmp_path / "data.csv"
    path.write_bytes(payload)
    for source in (payload, path, io.BytesIO(payload)):
        with pytest.raises(DataError) as info:
            read_csv(source)
        assert "\n" not in str(info.value)
    assert not marker.exists()


def test_expressions_and_formulas_in_cells_stay_plain_strings(tmp_path, no_eval):
    marker = tmp_path / "pwned"
    cells = [f.format(marker=marker) for f in FORMULAS]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["x1", "x2", "label"])
    for i, cell in enumerate(cells * 2):
        writer.writerow([i, i % 3, cell])
    data = read_csv(buf.getvalue().encode(), limits=Limits(max_classes=len(cells)))
    assert sorted(set(data.y.tolist())) == sorted(c.strip() for c in cells)
    assert not marker.exists()


@pytest.mark.parametrize("cell", ["1+1", "2*3", "__import__('os').getpid()", "=1+1", "0x10", "1_000"])
def test_an_expression_in_a_feature_column_is_never_read_as_a_number(cell):
    text = f'x1,x2,label\n1,2,a\n"{cell}",4,b\n5,6,a\n7,8,b\n'
    # The numbers-only reading refuses it; the reading by column roles (issue 12) leaves the column out and
    # names the line. Neither evaluates it.
    with pytest.raises(DataError, match="must hold numbers"):
        read_csv(text, drop_invalid_rows=False)
    data = read_csv(text)
    plan = data.table.plan.frame().set_index("column")
    assert data.feature_names == ("x2",) and plan.loc["x1", "role"] == "left out"
    assert "line 3" in plan.loc["x1", "note"] and cell in plan.loc["x1", "note"]


# --- upload size ----------------------------------------------------------------------------------------------


def test_streamlit_caps_the_upload_size():
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    cap = config["server"]["maxUploadSize"]
    assert isinstance(cap, int) and 1 <= cap <= 1024, cap
    # The reader's own limit must sit at or below Streamlit's, so every file Streamlit lets through is checked
    # by the reader, whose message says what to do.
    assert Limits().max_upload_bytes <= cap * MIB


class _EndlessStream(io.RawIOBase):
    """A never-ending upload: reading it all would never return."""

    def __init__(self):
        self.given = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        # Only rewinding a fresh stream is possible: it has no end to seek to.
        if (offset, whence) != (0, io.SEEK_SET) or self.given:
            raise io.UnsupportedOperation("seek")
        return 0

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("the reader asked for the whole of an endless stream")
        self.given += size
        return (b"1,2,a\n" * (size // 6 + 1))[:size]


def test_the_reader_enforces_its_byte_limit(tmp_path):
    limits = Limits(max_upload_bytes=64)
    fits = b"x,y,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n"
    fits += b"0" * (64 - len(fits) - 6) + b"9,0,b\n"  # leading zeros pad the file to the limit exactly
    assert len(fits) == 64
    over = fits + b"\n"
    path_fits, path_over = tmp_path / "fits.csv", tmp_path / "over.csv"
    path_fits.write_bytes(fits)
    path_over.write_bytes(over)
    for source in (fits, fits.decode(), path_fits, io.BytesIO(fits)):
        assert read_csv(source, limits=limits).n_samples == 5
    for source in (over, over.decode(), path_over, io.BytesIO(over)):
        with pytest.raises(DataError, match="over the limit of 64 bytes"):
            read_csv(source, limits=limits)
    endless = _EndlessStream()
    with pytest.raises(DataError, match="over the limit"):
        read_csv(endless, limits=limits)
    assert endless.given <= limits.max_upload_bytes + 1
