"""The animated figure: frames on a log scale of iterations, the last frame equal to the trained model."""

import numpy as np
import plotly.graph_objects as go
import pytest
from apptest_helpers import _decode

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.plots import play
from cedash.plots.shown_data import input_grid
from cedash.runs.experiment import run


@pytest.fixture(scope="module")
def moons_run():
    return run(load_dataset("moons"), RunConfig())


def frame_dicts(fig):
    return [_decode(f.to_plotly_json()) for f in fig.frames]


def test_frame_iterations_are_log_spaced_with_both_ends():
    its = play.frame_iterations(500)
    assert its[0] == 0 and its[-1] == 500
    assert np.all(np.diff(its) > 0)
    gaps = np.diff(its)
    assert gaps[:10].max() <= 2 and gaps[-1] > 30  # dense at the start, sparse at the end
    assert list(play.frame_iterations(3)) == [0, 1, 2, 3]
    assert list(play.frame_iterations(0)) == [0]


def test_the_figure_is_valid_plotly_and_opens_on_the_trained_model(moons_run):
    fig = play.play_figure(moons_run)
    go.Figure(fig.to_dict())  # plotly's own validation of every trace and frame
    frames = frame_dicts(fig)
    names = [f["name"] for f in frames]
    assert names == [str(i) for i in play.frame_iterations(len(moons_run.loss_curve) - 1)]
    _, _, grid = input_grid(moons_run, play.GRID)
    p1 = moons_run.model.predict_proba(moons_run.feature_map.transform(grid))[:, 1]
    expected = np.round(p1 * 255).astype(np.uint8).reshape(play.GRID, play.GRID)
    np.testing.assert_array_equal(frames[-1]["data"][0]["z"], expected)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), expected)
    final_loss = frames[-1]["data"][2]
    np.testing.assert_allclose(final_loss["y"], moons_run.loss_curve.astype(np.float32))
    assert frames[-1]["data"][3]["x"][0] == len(moons_run.loss_curve) - 1


def test_each_frame_shows_the_model_and_the_loss_at_its_iteration(moons_run):
    frames = frame_dicts(play.play_figure(moons_run))
    _, _, grid = input_grid(moons_run, play.GRID)
    mapped = moons_run.feature_map.transform(grid)
    for frame in frames[1:-1:7]:
        it = int(frame["name"])
        p1 = moons_run.model.predict_proba(mapped, iteration=it)[:, 1]
        np.testing.assert_array_equal(frame["data"][0]["z"].ravel(), np.round(p1 * 255).astype(np.uint8))
        loss = frame["data"][2]
        assert loss["x"][-1] == it
        assert loss["y"][-1] == pytest.approx(moons_run.loss_curve[it], rel=1e-6)
    first = frames[0]["data"][0]["z"]
    assert np.all(first == 128)  # zero weights: every probability is one half


def test_the_boundary_line_moves_between_frames(moons_run):
    frames = frame_dicts(play.play_figure(moons_run))
    early, late = frames[5]["data"][1], frames[-1]["data"][1]
    assert np.isfinite(late["x"]).sum() > 10
    assert not np.array_equal(early["x"], late["x"])


def test_play_and_pause_buttons_and_one_slider_step_per_frame(moons_run):
    fig = play.play_figure(moons_run)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.args[0] for b in buttons] == [None, (None,)]
    assert "Play" in buttons[0].label and "Pause" in buttons[1].label
    assert buttons[0].args[1]["frame"]["duration"] == play.FRAME_MS <= 100
    steps = fig.layout.sliders[0].steps
    assert [s.args[0][0] for s in steps] == [f.name for f in fig.frames]
    assert fig.layout.sliders[0].active == len(steps) - 1


def test_three_classes_play_too():
    result = run(load_dataset("three blobs"), RunConfig())
    fig = play.play_figure(result)
    go.Figure(fig.to_dict())
    frames = frame_dicts(fig)
    z = frames[-1]["data"][0]["z"]
    assert z.shape == (play.GRID, play.GRID) and len(np.unique(z // (256 // 3 + 1))) == 3
