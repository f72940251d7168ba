"""The pieces of cedash the dashboard leans on: URL settings, table edits, caching, downloads."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.data.dataset import DataError, Dataset
from cedash.data.table import frame_to_dataset
from cedash.runs.experiment import run
from cedash.runs.export import dataset_csv, history_frame, model_json
from dashboard.run_cache import RunCache, fingerprint
from dashboard.settings import LEARNING_RATE_SCALE, SETTINGS, nearest_scale_value, settings_from_query


def test_url_settings_are_parsed_and_clamped():
    values, notes = settings_from_query(
        {"iters": "1e12", "lr": "0.5", "dataset": "MOONS", "intercept": "false", "degree": "2.9", "junk": "x"}
    )
    assert values == {"iters": SETTINGS["iters"].high, "lr": 0.5, "dataset": "moons", "intercept": False, "degree": 2}
    assert notes == ["Iterations 1e12 from the link is out of range, so the maximum 10000 is used."]


@pytest.mark.parametrize("key, raw", [("lr", "nan"), ("lr", "abc"), ("optimizer", "sgd"), ("standardize", "maybe")])
def test_nonsense_url_values_fall_back_to_defaults(key, raw):
    values, notes = settings_from_query({key: [raw]})
    assert values[key] == SETTINGS[key].default
    assert len(notes) == 1 and "not valid" in notes[0] and SETTINGS[key].label in notes[0]


def test_learning_rate_scale_is_log_spaced():
    assert LEARNING_RATE_SCALE[0] == 1e-4 and LEARNING_RATE_SCALE[-1] == 1000.0
    assert nearest_scale_value(0.0031) == 0.002
    assert nearest_scale_value(0.04) == 0.05
    assert nearest_scale_value(1e9) == 1000.0


def test_edited_table_becomes_a_dataset():
    frame = pd.DataFrame({"a": [1.0, 2.0, None, 4.0], "b": [1.0, 2.0, 3.0, 4.0], "label": [0, 1, 1, None]})
    data = frame_to_dataset(frame, "label")
    np.testing.assert_array_equal(data.X, [[1, 1], [2, 2]])
    np.testing.assert_array_equal(data.y, [0, 1])
    assert data.y.dtype.kind == "i"
    assert "2 incomplete row(s)" in data.notes[0] and "rows 3, 4" in data.notes[0]


def test_edited_table_with_one_class_is_refused():
    with pytest.raises(DataError, match="another label"):
        frame_to_dataset(pd.DataFrame({"a": [1.0, 2.0], "label": ["x", "x"]}), "label")


def test_fingerprint_sees_a_single_changed_cell():
    data = load_dataset("two blobs", n_samples=100_000)
    X = data.X.copy()
    X[77_777, 1] += 1e-9
    edited = type(data)(X, data.y, data.feature_names)
    assert fingerprint(data) != fingerprint(edited)
    assert fingerprint(data) == fingerprint(load_dataset("two blobs", n_samples=100_000))


def test_run_cache_is_lru():
    cache = RunCache(max_entries=2)
    calls = []

    def make(v):
        return lambda: calls.append(v) or v

    assert cache.get_or_compute("a", make(1)) == (1, False)
    assert cache.get_or_compute("a", make(9)) == (1, True)
    cache.get_or_compute("b", make(2))
    cache.get_or_compute("c", make(3))  # evicts "a"
    assert cache.get_or_compute("a", make(4)) == (4, False)
    assert calls == [1, 2, 3, 4] and len(cache) == 2


def test_downloads_hold_model_history_and_data():
    data = load_dataset("two blobs", n_samples=80)
    result = run(data, RunConfig(max_iter=50, alpha=0.01))
    payload = json.loads(model_json(result))
    assert payload["classes"] == [0, 1]
    assert payload["settings"]["alpha"] == 0.01 and payload["settings"]["max_iter"] == 50
    np.testing.assert_allclose(payload["coef"], result.model.coef_)
    hist = history_frame(result)
    assert list(hist.columns) == ["iteration", "train_loss", "train_accuracy", "test_loss", "test_accuracy"]
    assert len(hist) == 51 and hist["train_loss"].iloc[0] == pytest.approx(np.log(2))
    text = dataset_csv(data)
    assert text.splitlines()[0] == "x1,x2,label" and len(text.splitlines()) == 81


def test_data_download_defuses_spreadsheet_formulas_but_keeps_numbers():
    labels = np.array(["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2", "plain", "=1"], dtype=object)
    X = np.array([[-1.5, 2.0]] * 6)
    data = Dataset(X, labels, ('=HYPERLINK("http://x")', "ok"), target_name="@label")
    frame = pd.read_csv(io.StringIO(dataset_csv(data)), dtype=str, keep_default_na=False)
    assert list(frame.columns) == ['\'=HYPERLINK("http://x")', "ok", "'@label"]
    assert frame["'@label"].tolist() == ["'=cmd|' /C calc'!A0", "'+1+1", "'@SUM(A1)", "'-2", "plain", "'=1"]
    # Numbers are never touched: a negative feature value stays a number.
    assert frame["ok"].tolist() == ["2.0"] * 6 and frame.iloc[:, 0].tolist() == ["-1.5"] * 6
    for cell in [*frame.columns, *frame.to_numpy().ravel()]:
        assert not cell.startswith(("=", "+", "@")), cell
