"""Figure builders, checked trace by trace without a browser."""

import numpy as np
import pytest

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.plots import training_figures
from cedash.runs.experiment import run
from dashboard import explain


@pytest.fixture(scope="module")
def binary_run():
    return run(load_dataset("moons", n_samples=120, seed=1), RunConfig(degree=3, learning_rate=1.0, max_iter=300))


@pytest.fixture(scope="module")
def three_class_run():
    return run(load_dataset("three blobs", n_samples=150, noise=0.4), RunConfig(max_iter=200, learning_rate=0.5))


def test_loss_figure_traces(binary_run):
    fig = training_figures.loss_figure(binary_run)
    train, test = fig.data[0], fig.data[1]
    assert fig.layout.title.text == "Loss per iteration"
    np.testing.assert_array_equal(train.y, binary_run.loss_curve)
    np.testing.assert_array_equal(train.x, np.arange(301))
    np.testing.assert_array_equal(test.x, binary_run.test_curves.iterations)
    assert fig.layout.yaxis.type in (None, "linear", "-")
    assert training_figures.loss_figure(binary_run, log_y=True).layout.yaxis.type == "log"


def test_loss_figure_marks_an_iteration(binary_run):
    fig = training_figures.loss_figure(binary_run, marker_iteration=40)
    marker = fig.data[-1]
    assert marker.name == "now" and list(marker.x) == [40]
    assert marker.y[0] == binary_run.loss_curve[40]


def test_accuracy_figure(binary_run):
    fig = training_figures.accuracy_figure(binary_run)
    np.testing.assert_array_equal(fig.data[0].y, binary_run.train_curves.accuracy)
    assert fig.data[0].y[-1] > 0.9
    assert fig.layout.yaxis.tickformat == ".0%"


def test_binary_boundary_has_heatmap_half_line_and_points(binary_run):
    fig = training_figures.boundary_figure(binary_run, resolution=50)
    kinds = [t.type for t in fig.data]
    assert kinds[:2] == ["heatmap", "scatter"]
    heat = fig.data[0]
    assert heat.z.shape == (50, 50) and heat.z.dtype == np.float32
    assert 0 <= heat.z.min() < 0.5 < heat.z.max() <= 1
    # The 0.5 line, traced in Python: the model gives one half at every point drawn on it.
    lines = [t for t in fig.data if t.name == "P = 0.5"]
    assert len(lines) == 1 and lines[0].mode == "lines" and len(lines[0].x) >= 20
    points = np.column_stack([lines[0].x, lines[0].y]).astype(np.float64)
    p = binary_run.model.predict_proba(binary_run.feature_map.transform(points))[:, 1]
    np.testing.assert_allclose(p, 0.5, atol=0.01)
    scatter = [t for t in fig.data if t.type == "scatter" and t.mode == "markers" and not t.name.startswith("mis")]
    assert sum(len(t.x) for t in scatter) == 120
    assert {t.marker.symbol for t in scatter} == {"circle", "diamond"}


def test_misclassified_points_are_marked(binary_run):
    fig = training_figures.boundary_figure(binary_run, resolution=30)
    wrong = [t for t in fig.data if t.name.startswith("misclassified")]
    n_wrong = sum(
        int(np.sum(binary_run.model.predict(binary_run.feature_map.transform(p.X)) != p.y))
        for p in (binary_run.train, binary_run.test)
    )
    if n_wrong:
        assert len(wrong) == 1 and len(wrong[0].x) == n_wrong
    else:
        assert not wrong


def test_multiclass_boundary_shades_each_region(three_class_run):
    fig = training_figures.boundary_figure(three_class_run, resolution=40)
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert len(heat) == 3
    stacked = np.stack([h.z for h in heat])
    # Each grid cell belongs to exactly one class layer, with that class's probability (at least 1/3).
    assert np.all((stacked > 0).sum(axis=0) == 1)
    assert stacked.max(axis=0).min() >= 1 / 3 - 1e-6
    assert np.all(np.isfinite(stacked))


def test_boundary_at_iteration_zero_is_undecided(binary_run):
    fig = training_figures.boundary_figure(binary_run, iteration=0, resolution=20)
    np.testing.assert_allclose(fig.data[0].z, 0.5)
    assert all(t.name != "P = 0.5" for t in fig.data)


def test_large_data_is_sampled_and_uses_webgl():
    result = run(load_dataset("two blobs", n_samples=5000), RunConfig(max_iter=20))
    fig = training_figures.boundary_figure(result, resolution=20, max_points=1000)
    points = [t for t in fig.data if t.type == "scattergl" and not t.name.startswith("misclassified")]
    assert 990 <= sum(len(t.x) for t in points) <= 1010
    assert fig.layout.title.subtitle.text == "showing a random sample of 1,000 of the 5,000 points"
    assert training_figures.boundary_figure(result, resolution=20).layout.title.subtitle.text is None


def test_latex_carries_the_run_numbers(binary_run):
    loss = explain.loss_latex(binary_run)
    assert loss.startswith("L(w) =") and f"{binary_run.loss_curve[-1]:.4g}" in loss
    assert r"\eta = 1" in explain.update_latex(binary_run)


def test_divergence_message_names_the_iteration():
    result = run(
        load_dataset("article example"),
        RunConfig(learning_rate=10, standardize=False, degree=4, test_size=0, max_iter=500),
    )
    message = explain.divergence_message(result)
    assert result.diverged_at is not None
    assert f"iteration {result.diverged_at}" in message and "smaller learning rate" in message
    fig = training_figures.loss_figure(result)
    assert np.all(np.isfinite(fig.data[0].y)) and len(fig.data[0].y) == result.diverged_at


def test_per_point_charts_draw_a_sample_of_large_data():
    from cedash.plots import insight_figures
    from cedash.runs.pointwise import point_losses

    result = run(load_dataset("two blobs", n_samples=3000, noise=1.0), RunConfig(max_iter=20))
    pts = point_losses(result, result.train)
    bars = insight_figures.point_loss_figure(pts, result.classes, max_points=500)
    assert len(bars.data[0].y) == 500
    assert bars.data[0].y[0] == pts.loss.max()
    assert "500 of the 2,250 points" in bars.layout.title.subtitle.text
    curve = insight_figures.neg_log_figure(pts, result.classes, max_points=500)
    assert sum(len(t.x) for t in curve.data[1:]) == 500
