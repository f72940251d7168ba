"""``cedash fit`` on a real-looking table, its weights and column roles, and ``cedash predict`` with the saved model.

The CLI is called in process (``cli.main``), as the long tables in test_cli.py
are; one end-to-end subprocess checks that fit, save and predict chain up.
"""

import io
import json

import numpy as np
import pandas as pd
import pytest
from test_cli import assert_bad_input, cedash, in_process, strict_json
from test_table_preparation import csv_bytes, people

from cedash.config import RunConfig
from cedash.data.csv_reader import read_csv, read_raw
from cedash.data.dataset import DataError
from cedash.runs.experiment import run
from cedash.runs.export import model_json
from cedash.runs.saved_model import SavedModel

SHARED_FIXTURES = (in_process,)  # test_cli's fixture, which pytest finds here by its name


@pytest.fixture(scope="module")
def table():
    return people(n=600, seed=3)


@pytest.fixture
def files(tmp_path, table):
    train = tmp_path / "people.csv"
    train.write_bytes(csv_bytes(table))
    new = table.drop(columns=["outcome"]).sample(frac=1.0, random_state=0)
    new = new[new["age"].notna() & (new["region"] != "")]
    new_path = tmp_path / "new.csv"
    # The same columns in another order, as a person may export them.
    new[list(reversed(new.columns))].to_csv(new_path, index=False)
    return train, new_path, tmp_path / "model.json"


def test_fit_json_lists_every_column_and_the_weights(in_process, files, table):
    train, _, _ = files
    proc = in_process("fit", train, "--iters", "300", "--json")
    assert proc.returncode == 0, proc.stderr
    out = strict_json(proc.stdout)
    columns = {c["column"]: c for c in out["columns"]}
    assert list(columns) == list(table.columns)
    assert columns["region"]["inputs"] == ["region=east", "region=north", "region=south", "region=west"]
    assert columns["smoker"]["inputs"] == ["smoker=yes"] and columns["smoker"]["role"] == "feature"
    assert columns["id"]["role"] == "left out" and columns["id"]["inputs"] == []
    assert any(note.startswith("dropped ") for note in out["notes"])
    weights = out["weights"]
    assert {w["input"] for w in weights} == set(out["features"])
    sizes = [abs(w["standardized"]) for w in weights]
    assert sizes == sorted(sizes, reverse=True)
    # Per unit of an input is per standard deviation divided by its training spread.
    result = run(read_csv(train), RunConfig(max_iter=300))
    spread = dict(zip(result.feature_map.feature_names_, result.feature_map.scale_, strict=True))
    for w in weights:
        assert w["per_unit"] == pytest.approx(w["standardized"] / spread[w["input"]], rel=1e-12)
    np.testing.assert_allclose(out["coef"], result.model.coef_, rtol=1e-12)


def test_the_flags_change_the_roles(in_process, files):
    train, _, _ = files
    proc = in_process("fit", train, "--features", "age,smoker,joined", "--missing", "fill", "--iters", "50", "--json")
    assert proc.returncode == 0, proc.stderr
    out = strict_json(proc.stdout)
    assert out["features"] == ["age", "smoker=yes", "joined"]
    assert any(note.startswith("missing values filled from the training part: 'age'") for note in out["notes"])
    proc = in_process("fit", train, "--ignore", "region", "--max-categories", "3", "--iters", "50", "--json")
    roles = {c["column"]: c["role"] for c in strict_json(proc.stdout)["columns"]}
    assert roles["region"] == "left out"


def test_three_classes_get_a_weight_table_each(in_process, tmp_path, table):
    frame = table.drop(columns=["outcome"])
    path = tmp_path / "regions.csv"
    path.write_bytes(csv_bytes(frame))
    proc = in_process("fit", path, "--target", "region", "--iters", "100")
    assert proc.returncode == 0, proc.stderr
    headers = [line for line in proc.stdout.splitlines() if line.startswith("weights toward ")]
    assert [h.split(",")[0] for h in headers] == [f"weights toward {r}" for r in ("east", "north", "south", "west")]


def test_divergence_on_wide_scales_says_to_standardise(in_process, files):
    train, _, _ = files
    proc = in_process("fit", train, "--no-standardize", "--lr", "1", "--iters", "20")
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("divergence:"))
    assert "-fold, so standardise them first (leave out --no-standardize)" in line


def test_predict_round_trip_gives_the_runs_own_probabilities(files):
    train, new, model_path = files
    data = read_csv(train)
    result = run(data, RunConfig(max_iter=300))
    model_path.write_text(model_json(result))
    model = SavedModel.from_json(model_path.read_text())
    # The test part's rows, read back from the training file, get exactly the probabilities the run gives them.
    raw = read_raw(train)
    rows = np.isin(raw.lines, result.test.table.lines)
    test_table = type(raw)(raw.names, raw.frame[rows], raw.lines[rows], raw.decimal_comma, raw.name)
    expected = result.model.predict_proba(result.feature_map.transform(result.test.X))
    np.testing.assert_allclose(model.probabilities(test_table), expected, rtol=1e-12, atol=1e-15)
    frame = model.predict(read_raw(new))
    assert list(frame.columns[-3:]) == ["predicted outcome", "P(outcome=ill)", "P(outcome=well)"]
    assert set(frame["predicted outcome"]) <= {"ill", "well"}
    np.testing.assert_allclose(frame["P(outcome=ill)"] + frame["P(outcome=well)"], 1.0)


def test_predict_end_to_end(files):
    train, new, model_path = files
    fitted = cedash("fit", train, "--iters", "100", "--save", model_path)
    assert fitted.returncode == 0, fitted.stderr
    saved = json.loads(model_path.read_text())
    assert saved["preparation"]["columns"]["target"] == "outcome"
    proc = cedash("predict", model_path, new)
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(io.StringIO(proc.stdout))
    assert len(frame) == len(pd.read_csv(new))
    assert {"predicted outcome", "P(outcome=ill)", "P(outcome=well)"} <= set(frame.columns)


@pytest.fixture
def saved(files):
    train, _, model_path = files
    model_path.write_text(model_json(run(read_csv(train), RunConfig(max_iter=50))))
    return model_path


def write_rows(tmp_path, frame):
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["age"]), "the model needs the column 'age'; add it to the table"),
        (lambda f: f.assign(shoe_size=42), "column 'shoe_size' was not in the table the model was trained on"),
        (lambda f: f.assign(region="atlantis"), "has 'atlantis' in 'region', a value the model never saw in training"),
        (lambda f: f.assign(smoker="sometimes"), "has 'sometimes' in 'smoker', a value the model never saw"),
        (lambda f: f.assign(age="old"), "column 'age' must hold numbers, but line 2 has 'old'"),
        (
            lambda f: f.assign(income=np.nan),
            "line 2 has no value in 'income' and the model was trained without filling",
        ),
    ],
)
def test_predict_refuses_what_it_cannot_use(in_process, saved, tmp_path, table, change, message):
    rows = table.drop(columns=["outcome"]).dropna().query("region != ''").head(5)
    proc = in_process("predict", saved, write_rows(tmp_path, change(rows)))
    assert_bad_input(proc, message)


def test_predict_fills_with_the_training_values_when_trained_so(in_process, files, tmp_path, table):
    train, _, model_path = files
    result = run(read_csv(train, missing="fill"), RunConfig(max_iter=50))
    model_path.write_text(model_json(result))
    rows = table.drop(columns=["outcome"]).head(3).assign(age=np.nan)
    proc = in_process("predict", model_path, write_rows(tmp_path, rows))
    assert proc.returncode == 0, proc.stderr
    filled = rows.assign(age=result.preparation.steps[0].fill)
    expected = in_process("predict", model_path, write_rows(tmp_path, filled))
    theirs = pd.read_csv(io.StringIO(expected.stdout))
    ours = pd.read_csv(io.StringIO(proc.stdout))
    np.testing.assert_array_equal(ours["P(outcome=ill)"], theirs["P(outcome=ill)"])


def test_a_damaged_model_file(in_process, tmp_path, files):
    _, new, _ = files
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert_bad_input(in_process("predict", bad, new), "the model file is not JSON")
    bad.write_text(json.dumps({"format": "something else"}))
    assert_bad_input(in_process("predict", bad, new), "the model file is not a cedash model")
    bad.write_text(json.dumps({"format": "cedash-model/1", "target": "y"}))
    assert_bad_input(in_process("predict", bad, new), "the model file is incomplete or damaged")
    assert_bad_input(in_process("predict", tmp_path / "none.json", new), "there is no model file")
    with pytest.raises(DataError):
        SavedModel.from_json(b"\xff\xfe")


def test_a_builtin_model_predicts_from_its_numbers(in_process, tmp_path):
    model_path = tmp_path / "moons.json"
    assert in_process("fit", "--dataset", "moons", "--iters", "50", "--save", model_path).returncode == 0
    rows = pd.DataFrame({"x2": [0.5, -0.2], "x1": [1.0, 0.0]})
    proc = in_process("predict", model_path, write_rows(tmp_path, rows))
    assert proc.returncode == 0, proc.stderr
    assert list(pd.read_csv(io.StringIO(proc.stdout)).columns) == ["x2", "x1", "predicted label", "P(label=0)",
                                                                   "P(label=1)"]  # fmt: skip
