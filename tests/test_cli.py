"""The command line: exit codes, stdout JSON, and one-line errors on stderr.

Every kind of result and of error is run end to end in a subprocess; the long
tables of bad settings call ``cli.main`` in process, because each subprocess
spends over a second importing scikit-learn.
"""

import json
import math
import os
import pty
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from cedash import cli
from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.runs.experiment import run

ROOT = Path(__file__).resolve().parents[1]


def cedash_env():
    # conftest sets SCIPY_ARRAY_API for scikit-learn's checks; the command line does not need its slower imports.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CEDASH_") and k != "SCIPY_ARRAY_API"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def cedash(*args, env=None, cwd=None, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "cedash", *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        env={**cedash_env(), **(env or {})},
        cwd=cwd or ROOT,
        timeout=120,
    )


@pytest.fixture
def in_process(capsys, monkeypatch):
    """``cli.main`` called directly, returning what a subprocess would: status, stdout and stderr."""
    for key in list(os.environ):
        if key.startswith("CEDASH_"):
            monkeypatch.delenv(key)

    def call(*args):
        status = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=status, stdout=out, stderr=err)

    return call


def strict_json(text):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def assert_bad_input(proc, message):
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in proc.stderr
    assert message in lines[0], lines[0]


# -- loss ------------------------------------------------------------------------------------------------------------


def test_loss_prints_the_articles_value():
    proc = cedash("loss", "--y-true", "1,0,1,0", "--y-pred", "0.8,0.3,0.7,0.2")
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert proc.stdout.strip() == "0.2899092476264711"
    assert "0.2899" in proc.stdout


def test_loss_accepts_spaces_and_soft_labels():
    proc = cedash("loss", "--y-true", "1, 0.5", "--y-pred", " 0.5 ,0.5")
    assert proc.returncode == 0
    assert float(proc.stdout) == pytest.approx(math.log(2))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--y-true", "1,0", "--y-pred", "0.5"], "error: --y-true has 2 values but --y-pred has 1"),
        (["--y-true", "1,0", "--y-pred", "0.5,abc"], "--y-pred must be numbers separated by commas, but 'abc' is not"),
        (["--y-true", "1,0", "--y-pred", "0.5,nan"], "--y-pred must hold finite numbers, not 'nan'"),
        (["--y-true", "2,0", "--y-pred", "0.5,0.5"], "--y-true values must lie between 0 and 1, but 2 does not"),
        (["--y-true", "1,0", "--y-pred", "0.5,1.5"], "--y-pred values must lie between 0 and 1, but 1.5 does not"),
        (["--y-true", "1,,0", "--y-pred", "0.5,0.5,0.5"], "--y-true must be numbers separated by commas, but '' is"),
        (["--y-true", "1,0"], "the following arguments are required: --y-pred"),
    ],
)
def test_loss_bad_input(in_process, args, message):
    assert_bad_input(in_process("loss", *args), message)


def test_loss_bad_input_end_to_end():
    assert_bad_input(cedash("loss", "--y-true", "1,0", "--y-pred", "0.5"), "error: --y-true has 2 values but --y-pred")


# -- fit: results ----------------------------------------------------------------------------------------------------


def test_fit_replays_the_articles_run():
    proc = cedash("fit", "--dataset", "article example", "--no-intercept", "--test-size", "0", "--iters", "1000",
                  "--no-standardize", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = strict_json(proc.stdout)
    assert out["classes"] == [0, 1]
    assert out["coef"] == [[0.0, 0.0]]
    assert out["intercept"] == [0.0]
    assert out["n_iter"] == 1000
    assert out["train_loss"] == pytest.approx(math.log(2), abs=1e-15)
    assert out["train_accuracy"] == 0.5
    assert out["diverged"] is False
    assert "test_loss" not in out


def test_fit_json_matches_an_in_process_run_with_the_documented_defaults():
    proc = cedash("fit", "--dataset", "moons", "--json")
    assert proc.returncode == 0, proc.stderr
    out = strict_json(proc.stdout)
    # The CLI's defaults are RunConfig's, which the dashboard and the classifier share.
    config = RunConfig()
    expected = run(load_dataset("moons", 200, 0.2, 0), config).summary()
    for key in ("classes", "n_iter", "diverged"):
        assert out[key] == expected[key]
    np.testing.assert_allclose(out["coef"], expected["coef"], rtol=1e-12)
    np.testing.assert_allclose(out["intercept"], expected["intercept"], rtol=1e-12)
    for key in ("train_loss", "test_loss", "train_accuracy"):
        assert out[key] == pytest.approx(expected[key], rel=1e-12)


def test_fit_passes_every_option_through():
    args = ["--lr", "0.05", "--iters", "300", "--optimizer", "adam", "--batch-size", "16", "--l2", "0.01"]
    args += ["--standardize", "--degree", "2", "--test-size", "0.3", "--seed", "4", "--n-samples", "120"]
    proc = cedash("fit", "--dataset", "circles", "--noise", "0.05", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    out = strict_json(proc.stdout)
    config = RunConfig(0.05, 300, "adam", batch_size=16, alpha=0.01, standardize=True, degree=2, test_size=0.3, seed=4)
    expected = run(load_dataset("circles", 120, 0.05, 4), config).summary()
    np.testing.assert_allclose(out["coef"], expected["coef"], rtol=1e-12)
    assert out["n_iter"] == 300
    assert out["features"] == ["x1", "x2", "x1²", "x1·x2", "x2²"]


def test_fit_a_csv_file_with_string_classes(tmp_path):
    data = load_dataset("iris")
    lines = ["sepal_length,petal_length,species"]
    lines += [f"{a!r},{b!r},{c}" for a, b, c in zip(data.X[:, 0].tolist(), data.X[:, 2].tolist(), data.y, strict=True)]
    path = tmp_path / "iris.csv"
    path.write_text("\n".join(lines) + "\n")
    proc = cedash("fit", path, "--target", "species", "--iters", "1000", "--json")
    assert proc.returncode == 0, proc.stderr
    out = strict_json(proc.stdout)
    assert out["classes"] == ["setosa", "versicolor", "virginica"]
    assert np.shape(out["coef"]) == (3, 2)
    assert out["train_accuracy"] > 0.9
    assert "test_loss" in out


def test_fit_reads_a_csv_piped_to_standard_input(tmp_path):
    text = "x,label\n" + "".join(f"{i / 10},{int(i >= 10)}\n" for i in range(20))
    path = tmp_path / "same.csv"
    path.write_text(text)
    piped = cedash("fit", "-", "--iters", "50", "--json", stdin=text)
    from_file = cedash("fit", path, "--iters", "50", "--json")
    assert piped.returncode == 0, piped.stderr
    assert strict_json(piped.stdout)["coef"] == strict_json(from_file.stdout)["coef"]
    empty = cedash("fit", "-", stdin="")
    assert empty.returncode == 2 and empty.stderr.startswith("error: the file is empty")


def test_divergence_is_reported_as_the_iteration_and_the_json_stays_valid():
    # Unscaled features in the hundreds make a step of 10 overshoot at once.
    proc = cedash("fit", "--dataset", "breast cancer", "--lr", "10", "--no-standardize", "--json")
    assert proc.returncode == 0, proc.stderr
    out = strict_json(proc.stdout)
    assert out["diverged"] == 1
    assert out["n_iter"] == 0
    assert out["train_loss"] == pytest.approx(math.log(2))


def test_the_default_output_is_a_short_human_summary():
    proc = cedash("fit", "--dataset", "xor", "--degree", "2", "--iters", "1000")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith("data: xor, 200 rows, 2 features, classes 0, 1\n")
    assert "added features: x1², x1·x2, x2²" in text
    assert "train 150 rows, test 50 rows" in text
    assert "iterations: 1,000" in text
    assert "train loss 0." in text and "test loss 0." in text
    assert len(text.splitlines()) < 12


def test_history_has_the_loss_at_every_iteration(tmp_path):
    path = tmp_path / "history.csv"
    proc = cedash("fit", "--dataset", "article example", "--no-intercept", "--test-size", "0", "--iters", "50",
                  "--history", path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = path.read_text().splitlines()
    assert rows[0] == "iteration,loss"
    assert len(rows) == 52  # iterations 0..50
    assert [int(r.split(",")[0]) for r in rows[1:]] == list(range(51))
    assert {float(r.split(",")[1]) for r in rows[1:]} == {math.log(2)}


def test_history_matches_the_loss_curve(tmp_path):
    path = tmp_path / "h.csv"
    assert cedash("fit", "--dataset", "moons", "--iters", "40", "--no-standardize", "--history", path).returncode == 0
    losses = np.loadtxt(path, delimiter=",", skiprows=1)[:, 1]
    config = RunConfig(max_iter=40, standardize=False)
    np.testing.assert_array_equal(losses, run(load_dataset("moons"), config).loss_curve)


# -- fit: bad input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either a CSV file or --dataset NAME, not both or neither"),
        (["x.csv", "--dataset", "xor"], "give either a CSV file or --dataset NAME"),
        (["--dataset", "blobs"], "no built-in data set called 'blobs'; choose one of: article example"),
        (["--dataset", "xor", "--target", "y"], "--target applies to CSV files"),
        (["--dataset", "xor", "--lr", "-1"], "argument --lr: expected a positive number, not '-1'"),
        (["--dataset", "xor", "--lr", "nan"], "argument --lr: expected a positive number, not 'nan'"),
        (["--dataset", "xor", "--iters", "0"], "argument --iters: expected a whole number of at least 1, not '0'"),
        (["--dataset", "xor", "--iters", "2.5"], "argument --iters: expected a whole number"),
        (["--dataset", "xor", "--iters", "20000"], "20,000 iterations is over the limit of 10,000"),
        (["--dataset", "xor", "--optimizer", "sgd"], "argument --optimizer: invalid choice: 'sgd'"),
        (["--dataset", "xor", "--test-size", "1"], "argument --test-size: expected a share from 0 up to"),
        (["--dataset", "xor", "--degree", "0"], "argument --degree: expected a whole number of at least 1"),
        (["--dataset", "xor", "--l2", "-0.1"], "argument --l2: expected zero or a positive number"),
        (["--dataset", "xor", "--seed", "-3"], "argument --seed: expected a whole number from 0 to 4294967295"),
        (["--dataset", "xor", "--n-samples", "2"], "number of points for 'xor' must be between 4 and"),
        (["--dataset", "xor", "--bogus"], "unrecognized arguments: --bogus"),
        (["missing.csv"], "there is no file 'missing.csv'; check the path"),
        (["--dataset", "xor", "--history", "/nonexistent/dir/h.csv"], "cannot write the history to '/nonexistent/"),
    ],
)
def test_fit_bad_input(in_process, args, message):
    assert_bad_input(in_process("fit", *args), message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "xor", "--lr", "-1"], "error: argument --lr: expected a positive number, not '-1'"),
        (["--dataset", "blobs"], "error: there is no built-in data set called 'blobs'"),
        (["missing.csv"], "error: there is no file 'missing.csv'; check the path"),
    ],
)
def test_fit_bad_input_end_to_end(args, message):
    assert_bad_input(cedash("fit", *args), message)


def test_no_command_at_all():
    assert_bad_input(cedash(), "the following arguments are required")


def test_limits_come_from_the_environment():
    proc = cedash("fit", "--dataset", "xor", "--iters", "500", env={"CEDASH_MAX_ITER": "100"})
    assert_bad_input(proc, "500 iterations is over the limit of 100")


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "error: the file is empty"),
        (b"x,y,label\n", "the file has a header line but no data rows"),
        (b"x,y,label\n1,2,a\n3,4,a\n", "the target column 'label' holds only one class ('a')"),
        (b"x,y,label\n1,2,0\n3,4\n", "line 3 has 2 fields but the header has 3"),
        (b"PK\x03\x04\x00\x00", "looks like an Excel workbook"),
        (b"\x00\x01\x02", "the file is not text"),
    ],
)
def test_fit_bad_csv_files(in_process, tmp_path, content, message):
    assert_bad_input(in_process("fit", write(tmp_path, content)), message)


MISSING = "x,y,label\n" + "".join(f"{i},{'' if i == 3 else i * 2},{i % 2}\n" for i in range(12))


def test_missing_values_are_dropped_by_default_with_a_note(tmp_path):
    # Issue 12 reverses the refusal: incomplete rows are left out, and the note says how many and where.
    proc = cedash("fit", write(tmp_path, MISSING), "--test-size", "0")
    assert proc.returncode == 0, proc.stderr
    assert "note: dropped 1 row with missing values (line 5) in 'y' (1)" in proc.stdout


def test_drop_invalid_rows_fits_the_rest_and_says_so(tmp_path):
    proc = cedash("fit", write(tmp_path, MISSING), "--drop-invalid-rows", "--test-size", "0")
    assert proc.returncode == 0, proc.stderr
    assert "data: data.csv, 11 rows" in proc.stdout
    assert "note: dropped 1 row with missing values (line 5)" in proc.stdout


def test_a_target_that_is_not_a_column(in_process, tmp_path):
    proc = in_process("fit", write(tmp_path, MISSING), "--target", "colour")
    assert_bad_input(proc, "there is no column called 'colour'; the columns are 'x', 'y', 'label'")


# -- progress --------------------------------------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal():
    proc = cedash("fit", "--dataset", "moons", "--iters", "2000")
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_a_progress_bar_on_stderr_when_it_is_a_terminal():
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cedash", "fit", "--dataset", "moons", "--iters", "3000", "--json"],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=cedash_env(),
            cwd=ROOT,
            timeout=120,
        )
        os.close(follower)
        follower = None
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    strict_json(proc.stdout)  # stdout stays clean JSON
    text = seen.decode()
    assert "3,000/3,000" in text and "loss 0." in text and "[" + "#" * 30 + "]" in text


# -- in process ------------------------------------------------------------------------------------------------------


def test_main_returns_the_exit_status(in_process):
    assert in_process("loss", "--y-true", "1,0,1,0", "--y-pred", "0.8,0.3,0.7,0.2").returncode == 0
    assert in_process("fit", "--dataset", "nope").returncode == 2


def test_the_console_script_points_at_main():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'cedash = "cedash.cli:main"' in text
    assert callable(cli.main)


def test_help_exits_zero(in_process):
    with pytest.raises(SystemExit) as info:
        in_process("fit", "--help")
    assert info.value.code == 0


def test_help_end_to_end():
    proc = cedash("fit", "--help")
    assert proc.returncode == 0
    assert "--drop-invalid-rows" in proc.stdout and "--history FILE.csv" in proc.stdout
