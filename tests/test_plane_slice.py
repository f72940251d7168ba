"""The 2-D slice through a model of many inputs: the held row is one a table could have, and it says so."""

import numpy as np
import pytest

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.data.csv_reader import read_csv
from cedash.plots.shown_data import default_axes
from cedash.runs.experiment import run
from cedash.runs.plane_slice import plane_slice


def table() -> bytes:
    rng = np.random.default_rng(3)
    rows = ["age,smoker,region,income,bought"]
    regions = ["north"] * 5 + ["south"] * 3 + ["east"] * 2
    for i in range(200):
        age = rng.integers(18, 80)
        smoker = "yes" if rng.random() < 0.3 else "no"
        region = regions[i % 10]
        income = rng.normal(40000, 9000)
        bought = "y" if age + (10 if smoker == "yes" else 0) + rng.normal(0, 8) > 50 else "n"
        rows.append(f"{age},{smoker},{region},{income:.0f},{bought}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def table_run():
    return run(read_csv(table(), target="bought"), RunConfig())


def test_two_input_data_holds_nothing():
    result = run(load_dataset("moons"), RunConfig())
    s = plane_slice(result)
    assert s.held == () and s.caption() is None
    plane = np.array([[0.5, -1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(s.inputs(plane), plane)


def test_numbers_at_their_mean_and_a_category_at_its_most_frequent_value(table_run):
    names = list(table_run.train.feature_names)
    s = plane_slice(table_run, (names.index("age"), names.index("income")))
    X = table_run.train.X
    region = [names.index(n) for n in names if n.startswith("region=")]
    assert s.base[region].sum() == 1.0 and set(s.base[region]) == {0.0, 1.0}
    most = region[int(np.argmax(X[:, region].mean(axis=0)))]
    assert s.base[most] == 1.0 and names[most] == "region=north"
    smoker = names.index("smoker=yes")
    assert s.base[smoker] == 0.0  # fewer than half smoke
    assert "region = north" in s.held and "smoker ≠ yes" in s.held
    assert s.caption().startswith("Other inputs held at: ")
    rows = s.inputs(np.array([[30.0, 50000.0]]))
    assert rows.shape == (1, len(names))
    assert rows[0, names.index("age")] == 30.0 and rows[0, names.index("income")] == 50000.0


def test_the_slice_of_a_many_input_numeric_set_holds_the_others_at_their_means():
    result = run(load_dataset("iris"), RunConfig())
    s = plane_slice(result, (0, 2))
    means = result.train.X.mean(axis=0)
    assert s.base[1] == means[1] and s.base[3] == means[3]
    assert len(s.held) == 2 and all("at its mean" in h for h in s.held)
    with pytest.raises(ValueError, match="two different inputs"):
        plane_slice(result, (1, 1))


def test_the_default_axes_are_the_first_two_inputs_with_more_than_two_values():
    binary, spread = np.array([0.0, 1.0, 1.0, 0.0]), np.array([1.0, 2.5, 7.0, 3.0])
    assert default_axes(np.column_stack([binary, spread, binary, spread * 2])) == (1, 3)
    assert default_axes(np.column_stack([binary, binary, spread])) == (2, 0)
    assert default_axes(np.column_stack([binary, 1 - binary])) == (0, 1)
