"""The animated figure: frames on a log scale of iterations, the last frame equal to the trained model."""

from itertools import pairwise

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


def inside(x, y, px, py):
    """Even-odd test of points (px, py) against the rings in x, y (separated by NaN), as plotly fills them."""
    hits = np.zeros(len(px), dtype=bool)
    starts = np.flatnonzero(np.isnan(np.concatenate([[np.nan], x, [np.nan]])))
    for a, b in pairwise(starts):
        rx, ry = x[a : b - 1], y[a : b - 1]
        if len(rx) < 3:
            continue
        x0, y0, x1, y1 = rx, ry, np.roll(rx, -1), np.roll(ry, -1)
        crosses = (y0[None] > py[:, None]) != (y1[None] > py[:, None])
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0[None] + (py[:, None] - y0[None]) * (x1 - x0)[None] / (y1 - y0)[None]
        hits ^= (np.sum(crosses & (px[:, None] < at), axis=1) % 2).astype(bool)
    return hits


def probe(result, iteration, n=400):
    """Random points of the chart's plane and the model's probabilities there at ``iteration``."""
    gx, gy, _ = input_grid(result, play.GRID)
    rng = np.random.default_rng(1)
    px, py = rng.uniform(gx[0], gx[-1], n), rng.uniform(gy[0], gy[-1], n)
    mapped = result.feature_map.transform(np.column_stack([px, py]))
    return px, py, result.model.predict_proba(mapped, iteration=iteration)


def assert_bands_match(frame, result, iteration):
    """Each filled band holds the points whose probability is in it (away from its edges, where the grid rounds)."""
    px, py, proba = probe(result, iteration)
    p1 = proba[:, 1]
    for band, (lo, hi) in enumerate(pairwise(play.BAND_EDGES)):
        trace = frame["data"][band]
        got = inside(np.asarray(trace["x"], float), np.asarray(trace["y"], float), px, py)
        sure_in = (p1 > lo + 0.03) & (p1 < hi - 0.03)
        sure_out = (p1 < lo - 0.03) | (p1 > hi + 0.03)
        assert got[sure_in].all(), (iteration, band)
        assert not got[sure_out].any(), (iteration, band)


def assert_boundary_is_one_half(frame, result, iteration):
    x, y = (np.asarray(frame["data"][4][a], float) for a in "xy")
    keep = np.isfinite(x)
    assert keep.sum() > 10
    mapped = result.feature_map.transform(np.column_stack([x[keep], y[keep]]))
    p1 = result.model.predict_proba(mapped, iteration=iteration)[:, 1]
    np.testing.assert_allclose(p1, 0.5, atol=0.02)


def test_the_figure_is_valid_plotly_and_opens_on_the_trained_model(moons_run):
    fig = play.play_figure(moons_run)
    go.Figure(fig.to_dict())  # plotly's own validation of every trace and frame
    frames = frame_dicts(fig)
    names = [f["name"] for f in frames]
    last = len(moons_run.loss_curve) - 1
    assert names == [str(i) for i in play.frame_iterations(last)]
    assert_bands_match(frames[-1], moons_run, last)
    assert_boundary_is_one_half(frames[-1], moons_run, last)
    opening = _decode(fig.to_plotly_json())["data"]
    for shown, final in zip(opening[:7], frames[-1]["data"], strict=True):
        np.testing.assert_array_equal(shown["x"], final["x"])
    final_loss = frames[-1]["data"][5]
    np.testing.assert_allclose(final_loss["y"], moons_run.loss_curve.astype(np.float32))
    assert frames[-1]["data"][6]["x"][0] == last


def test_each_frame_shows_the_model_and_the_loss_at_its_iteration(moons_run):
    frames = frame_dicts(play.play_figure(moons_run))
    for frame in frames[3:-1:9]:
        it = int(frame["name"])
        assert_bands_match(frame, moons_run, it)
        assert_boundary_is_one_half(frame, moons_run, it)
        loss = frame["data"][5]
        assert loss["x"][-1] == it
        assert loss["y"][-1] == pytest.approx(moons_run.loss_curve[it], rel=1e-6)
    # Zero weights: every probability is one half, so one band fills the plane and there is no boundary yet.
    first = frames[0]["data"]
    assert [np.isfinite(np.asarray(first[b]["x"], float)).any() for b in range(4)] == [False, True, False, False]
    assert not np.isfinite(np.asarray(first[4]["x"], float)).any()


def test_the_boundary_line_moves_between_frames(moons_run):
    frames = frame_dicts(play.play_figure(moons_run))
    early, late = frames[5]["data"][4], frames[-1]["data"][4]
    assert np.isfinite(late["x"]).sum() > 10
    assert not np.array_equal(early["x"], late["x"])


def test_on_a_phone_the_boundary_sits_above_the_loss(moons_run):
    wide, stacked = play.play_figure(moons_run).layout, play.play_figure(moons_run, stacked=True).layout
    assert wide.xaxis.domain[1] <= wide.xaxis2.domain[0]  # side by side
    assert stacked.yaxis2.domain[1] < stacked.yaxis.domain[0]  # the loss below the boundary
    assert stacked.xaxis.domain == (0.0, 1.0) and stacked.height > wide.height


def test_play_and_pause_buttons_and_one_slider_step_per_frame(moons_run):
    fig = play.play_figure(moons_run)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.args[0] for b in buttons] == [None, (None,)]
    assert "Play" in buttons[0].label and "Pause" in buttons[1].label
    assert buttons[0].args[1]["frame"]["duration"] == play.FRAME_MS <= 100
    # Only line and outline traces move, so no frame redraws the figure: that is what keeps Play fast.
    assert buttons[0].args[1]["frame"]["redraw"] is False
    assert {f.data[0].type for f in fig.frames} == {"scatter"}
    steps = fig.layout.sliders[0].steps
    assert [s.args[0][0] for s in steps] == [f.name for f in fig.frames]
    assert fig.layout.sliders[0].active == len(steps) - 1


def test_three_classes_play_too():
    result = run(load_dataset("three blobs"), RunConfig())
    fig = play.play_figure(result)
    go.Figure(fig.to_dict())
    frames = frame_dicts(fig)
    last = len(result.loss_curve) - 1
    px, py, proba = probe(result, last)
    top = proba.argmax(axis=1)
    clear = np.sort(proba, axis=1)[:, -1] - np.sort(proba, axis=1)[:, -2] > 0.05
    for i in range(3):
        region = frames[-1]["data"][i]
        got = inside(np.asarray(region["x"], float), np.asarray(region["y"], float), px, py)
        assert clear[top == i].any()
        assert got[clear & (top == i)].all() and not got[clear & (top != i)].any(), i
    # Every border between two regions is drawn, and the line moves as the model learns.
    assert np.isfinite(np.asarray(frames[-1]["data"][3]["x"], float)).sum() > 10
