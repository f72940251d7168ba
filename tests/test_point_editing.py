"""Adding and removing points on the Data tab's chart: the table functions and the clickable figure."""

import numpy as np
import pandas as pd
import pytest

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.data.dataset import DataError
from cedash.data.table import add_row, drop_row, frame_to_dataset
from cedash.plots.editing import GRID_ROW, clicked_point, editable_boundary_figure
from cedash.runs.experiment import run
from cedash.runs.export import dataset_frame


@pytest.fixture(scope="module")
def moons():
    data = load_dataset("moons", n_samples=40)
    return data, dataset_frame(data), run(data, RunConfig())


def test_an_added_point_is_an_ordinary_row_that_trains(moons):
    data, frame, _ = moons
    bigger = add_row(frame, {"x1": 0.25, "x2": -0.5, "label": 1})
    assert len(bigger) == len(frame) + 1
    assert bigger.iloc[-1].tolist() == [0.25, -0.5, 1]
    assert bigger["label"].dtype == frame["label"].dtype
    trained = frame_to_dataset(bigger, "label")
    assert trained.n_samples == data.n_samples + 1
    np.testing.assert_array_equal(trained.X[-1], [0.25, -0.5])


def test_removing_a_row_by_position_keeps_the_others_in_order(moons):
    _, frame, _ = moons
    smaller = drop_row(frame, 3)
    assert len(smaller) == len(frame) - 1
    pd.testing.assert_frame_equal(smaller.iloc[:3], frame.iloc[:3])
    np.testing.assert_array_equal(smaller.iloc[3:].to_numpy(), frame.iloc[4:].to_numpy())
    with pytest.raises(DataError, match="no row 41"):
        drop_row(frame, 40)


def test_every_drawn_point_carries_its_row_and_the_plane_is_covered_by_click_targets(moons):
    _, frame, result = moons
    fig = editable_boundary_figure(result, frame, "label")
    points = [t for t in fig.data if t.type == "scatter" and t.name in ("0", "1")]
    rows = np.concatenate([np.asarray(t.customdata) for t in points])
    assert sorted(rows.tolist()) == list(range(len(frame)))
    for t in points:
        np.testing.assert_allclose(np.asarray(t.x), frame["x1"].to_numpy()[np.asarray(t.customdata)], rtol=1e-6)
    grid = next(t for t in fig.data if t.name == "click targets")
    assert set(np.asarray(grid.customdata).tolist()) == {GRID_ROW}
    assert min(grid.x) < frame["x1"].min() and max(grid.x) > frame["x1"].max()
    assert any(t.type == "heatmap" for t in fig.data)


def test_clicked_point_reads_a_selection():
    assert clicked_point([]) is None
    assert clicked_point([{"customdata": [7], "x": 1.5, "y": -2}]) == (7, 1.5, -2.0)
    assert clicked_point([{"customdata": GRID_ROW, "x": 0, "y": 0}]) == (GRID_ROW, 0.0, 0.0)
