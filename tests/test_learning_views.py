"""Compute and figures behind the learning views: sweep, landscape, optimum, per-point loss, comparison."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.plots import insight_figures
from cedash.runs.compare import comparison_table, race_configs
from cedash.runs.experiment import run
from cedash.runs.landscape import loss_landscape, weight_names, weight_path
from cedash.runs.optimum import optimal_loss, run_optimum
from cedash.runs.pointwise import confusion, point_losses
from cedash.runs.sweep import SAME_LOSS_SHARE, log_spaced_rates, sweep


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons", n_samples=150, noise=0.25)


@pytest.mark.parametrize("name", ["moons", "three blobs"])
def test_sweep_matches_separate_runs(name):
    data = load_dataset(name, n_samples=120)
    config = RunConfig(max_iter=150, alpha=0.01)
    rates = log_spaced_rates(1e-2, 5, 5)
    result = sweep(data, config, rates)
    for i, lr in enumerate(rates):
        single = run(data, RunConfig(max_iter=150, alpha=0.01, learning_rate=lr))
        np.testing.assert_allclose(result.loss_curves[i], single.loss_curve, rtol=1e-10, atol=1e-14)


def test_sweep_marks_divergence_and_suggests_the_best():
    data = load_dataset("article example")
    config = RunConfig(max_iter=300, standardize=False, degree=4, test_size=0)
    result = sweep(data, config, log_spaced_rates(1e-6, 10, 8))
    assert result.diverged_at[-1] is not None and result.diverged_at[0] is None
    assert all(np.all(np.isfinite(c)) for c in result.loss_curves)
    best = result.best_index
    assert result.diverged_at[best] is None
    finals = [c[-1] for c, d in zip(result.loss_curves, result.diverged_at, strict=True) if d is None]
    # The suggestion reaches the lowest final loss to within SAME_LOSS_SHARE, and is the first rate to do so.
    assert result.final_losses[best] <= min(finals) * (1 + SAME_LOSS_SHARE)
    assert result.suggestion.index == best and result.best_rate == result.learning_rates[best]
    fig = insight_figures.sweep_figure(result)
    names = [t.name for t in fig.data]
    assert names == ["final loss", "diverged", "best"]
    assert fig.layout.xaxis.type == "log"
    curves = insight_figures.sweep_curves_figure(result)
    assert len(curves.data) == 8 + sum(d is not None for d in result.diverged_at)
    # One colour per rate, darker for smaller rates (viridis: brightness rises with the rate), and the legend
    # under the plot, where a dozen entries cannot cover the title.
    lines = [t for t in curves.data if t.mode == "lines"]
    colours = [tuple(int(v) for v in t.line.color[4:-1].split(",")) for t in lines]
    assert len(set(colours)) == len(lines)
    order = np.argsort(result.learning_rates)
    brightness = [sum(colours[i]) for i in order]
    assert brightness == sorted(brightness), brightness
    assert curves.layout.legend.yref == "container" and curves.layout.legend.y == 0


def test_landscape_of_a_two_weight_model_passes_through_the_path(moons):
    result = run(moons, RunConfig(fit_intercept=False, max_iter=100, learning_rate=2.0))
    land = loss_landscape(result, 0, 1, resolution=25)
    assert land.names == ("weight of x1", "weight of x2")
    # With exactly two weights the surface is the loss itself: evaluate it at the path's points.
    from cedash.runs.landscape import _losses

    X = result.feature_map.transform(result.train.X)
    y = result.class_index(result.train.y)
    at_path = _losses(X, y, 1, np.zeros(3), 0, 1, land.path[:, 0], land.path[:, 1], 0.0)  # w1, w2, b = 0
    np.testing.assert_allclose(at_path, result.loss_curve[land.path_iterations], rtol=1e-12)
    assert land.loss.min() <= result.loss_curve[-1] + 1e-9
    # A single path is drawn white on the contours: a white legend swatch would be invisible, so it has none.
    fig = insight_figures.landscape_figure(land)
    in_legend = [t for t in fig.data if t.showlegend is not False and t.type == "scatter"]
    assert not [t for t in in_legend if t.line.color == "white" or t.marker.color == "white"]
    two = insight_figures.landscape_figure(
        land, {"a": (land.path_iterations, land.path), "b": (land.path_iterations, land.path)}
    )
    assert [t.name for t in two.data if t.showlegend is not False and t.type == "scatter"] == ["a", "b"]


def test_landscape_names_and_errors():
    result = run(load_dataset("three blobs", n_samples=90), RunConfig(max_iter=30))
    names = weight_names(result.model, result.feature_map.feature_names_)
    assert names[:2] == ["weight of x1 for class 0", "weight of x2 for class 0"]
    assert names[-1] == "intercept for class 2" and len(names) == 9
    with pytest.raises(ValueError, match="two different"):
        loss_landscape(result, 3, 3)
    iters, path = weight_path(result.model, 0, 8)
    np.testing.assert_array_equal(path[-1], [result.model.coef_[0, 0], result.model.intercept_[2]])
    assert len(iters) == len(path) == 31


def test_landscape_figure_marks_start_end_and_paths(moons):
    result = run(moons, RunConfig(max_iter=60, learning_rate=3.0, optimizer="momentum"))
    land = loss_landscape(result, 0, 1, resolution=20)
    fig = insight_figures.landscape_figure(land, marker_iteration=10)
    kinds = [(t.type, t.name) for t in fig.data]
    assert kinds[0][0] == "contour"
    assert ("scatter", "gradient descent: start") in kinds and ("scatter", "gradient descent: end") in kinds
    assert kinds[-1] == ("scatter", "now")
    path = fig.data[1]
    np.testing.assert_array_equal(path.x, land.path[:, 0])


def test_momentum_path_curves_and_large_rate_zigzags(moons):
    # "Visibly": momentum turns its direction gradually; a too-large rate flips direction step after step.
    def turns(result):
        _, p = weight_path(result.model, 0, 1)
        steps = np.diff(p, axis=0)[:30]
        cos = np.sum(steps[1:] * steps[:-1], axis=1) / (
            np.linalg.norm(steps[1:], axis=1) * np.linalg.norm(steps[:-1], axis=1) + 1e-300
        )
        return cos

    zig = turns(run(moons, RunConfig(fit_intercept=False, learning_rate=40.0, max_iter=40)))
    assert np.mean(zig < 0) > 0.5
    mom = turns(run(moons, RunConfig(fit_intercept=False, learning_rate=0.5, optimizer="momentum", max_iter=40)))
    assert np.all(mom > 0.5)


def test_optimum_matches_sklearn_and_flags_separable(moons):
    result = run(moons, RunConfig(max_iter=20, alpha=0.01))
    opt = run_optimum(result)
    X = result.feature_map.transform(result.train.X)
    y = result.class_index(result.train.y)
    ref = LogisticRegression(C=1 / (0.01 * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    p = ref.predict_proba(X)[np.arange(len(y)), y]
    assert opt.loss == pytest.approx(-np.mean(np.log(p)) + 0.005 * np.sum(ref.coef_**2), rel=1e-9)
    assert opt.note is None and opt.loss < result.loss_curve[-1]
    blobs = load_dataset("two blobs", n_samples=100, noise=0.1)
    sep = optimal_loss(blobs.X, blobs.y, 0.0, True)
    assert sep.note and "no minimum" in sep.note
    fig = insight_figures.gap_figure({"run": result.loss_curve}, opt.loss)
    assert fig.layout.yaxis.type == "log" and np.all(fig.data[0].y > 0)


def test_point_losses_are_exact(moons):
    result = run(moons, RunConfig(max_iter=80))
    pts = point_losses(result, result.train, iteration=40)
    coef, b = result.model.weights_at(40)
    z = result.feature_map.transform(result.train.X) @ coef[0] + b[0]
    y = result.class_index(result.train.y)
    want = np.logaddexp(0, np.where(y == 1, -z, z))
    np.testing.assert_allclose(pts.loss, want, rtol=1e-12)
    np.testing.assert_allclose(pts.p_true, np.exp(-want), rtol=1e-12)
    bar = insight_figures.point_loss_figure(pts, result.classes)
    assert np.all(np.diff(bar.data[0].y) <= 0)
    # Each bar's label shows in its hover, not printed on the bar.
    assert "%{text}" in bar.data[0].hovertemplate and bar.data[0].textposition == "none"
    curve = insight_figures.neg_log_figure(pts, result.classes)
    assert curve.data[0].name == "−log p" and sum(len(t.x) for t in curve.data[1:]) == len(pts.loss)


def test_boundary_point_size_follows_loss(moons):
    from cedash.plots import training_figures

    result = run(moons, RunConfig(max_iter=80))
    fig = training_figures.boundary_figure(result, resolution=20, size_by_loss=True)
    train0 = next(t for t in fig.data if t.name == "train: 0")
    losses = train0.customdata[:, 1]
    order = np.argsort(losses)
    assert np.all(np.diff(np.asarray(train0.marker.size)[order]) >= 0)


def test_confusion_and_comparison_table():
    m = confusion(np.array(["a", "b", "b", "c"]), np.array(["a", "b", "c", "c"]), np.array(["a", "b", "c"]))
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    fig = insight_figures.confusion_figure(m, ["a", "b", "c"])
    np.testing.assert_array_equal(fig.data[0].z, m)
    data = load_dataset("moons", n_samples=80)
    runs = {
        "slow": run(data, RunConfig(max_iter=20, learning_rate=0.01)),
        "fast": run(data, RunConfig(max_iter=20, learning_rate=1.0)),
    }
    table = comparison_table(runs)
    assert list(table.index) == ["slow", "fast"]
    # Named as the page names its settings, only the ones that differ.
    assert "learning rate" in table.columns and "optimiser" not in table.columns and "iterations" not in table.columns
    assert not [c for c in table.columns if "_" in c], list(table.columns)
    assert table.loc["fast", "final train loss"] < table.loc["slow", "final train loss"]
    assert set(table["diverged"]) == {"no"}
    assert set(race_configs(RunConfig(batch_size=8))) == {"gd", "momentum", "nesterov", "adam"}
    assert all(c.batch_size is None for c in race_configs(RunConfig(batch_size=8)).values())


def test_class_probability_maps():
    result = run(load_dataset("three blobs", n_samples=90), RunConfig(max_iter=50))
    maps = insight_figures.class_probability_figures(result, resolution=15)
    stacked = np.stack([f.data[0].z for f in maps])
    np.testing.assert_allclose(stacked.sum(axis=0), 1.0, rtol=1e-5)
    assert [f.layout.title.text for f in maps] == ["P(0)", "P(1)", "P(2)"]


def test_weights_figure_at_an_iteration(moons):
    result = run(moons, RunConfig(max_iter=30))
    fig = insight_figures.weights_figure(result, 0)
    np.testing.assert_array_equal(fig.data[0].y, 0.0)
    assert fig.layout.title.text == "Weights at iteration 0"
    assert list(fig.data[0].x) == ["weight of x1", "weight of x2", "intercept"]


def test_sweeps_and_races_are_bounded_as_many_runs():
    from cedash.config import RunConfig
    from cedash.data.dataset import DataError
    from cedash.limits import Limits
    from cedash.runs.experiment import check_work

    data = load_dataset("moons", n_samples=1000)
    limits = Limits(max_work=10_000_000)
    check_work(data, RunConfig(max_iter=1000), limits)  # one run fits
    with pytest.raises(DataError, match=r"x 16 runs is more work than this server allows .* at most 625 iterations"):
        sweep(data, RunConfig(max_iter=1000), [0.1] * 16, limits=limits)
    with pytest.raises(DataError, match=r"x 4 runs"):
        check_work(data, RunConfig(max_iter=3000), limits, runs=4)
