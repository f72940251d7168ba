"""Plotly figure builders: pure functions from a run's results to a ``go.Figure``.

Nothing here draws on screen or reads widget state, so tests can inspect every
trace. Arrays go to Plotly as numpy arrays, float32 where the precision is not
visible: cheaper to build and to check, and the dashboard sends float32 values in
9 digits instead of 17 (redraw_spec.py says why it sends lists, not base64).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cedash.data.dataset import Dataset
from cedash.plots.contour import level_lines
from cedash.plots.shown_data import MAX_POINTS, grid_inputs, held_note, input_grid, sample_indices, sample_note
from cedash.plots.style import TEST_COLOR, TRAIN_COLOR, class_color, figure, layout, marker_line, plain, rgba
from cedash.runs.experiment import RunResult
from cedash.runs.pointwise import point_losses


def _train_and_test(train: tuple, test: tuple | None, what: str, number_format: str) -> list:
    """A solid line for the training part, ``(x, y, name)``, and a dotted one for the test part, ``(x, y)``."""
    x, y, name = train
    traces = [
        dict(
            type="scatter",
            x=x,
            y=y,
            mode="lines",
            name=name,
            line={"color": TRAIN_COLOR, "width": 2},
            hovertemplate=f"iteration %{{x}}<br>train {what} %{{y:{number_format}}}<extra></extra>",
        )
    ]
    if test is not None:
        traces.append(
            dict(
                type="scatter",
                x=test[0],
                y=test[1],
                mode="lines",
                name="test",
                line={"color": TEST_COLOR, "width": 2, "dash": "dot"},
                hovertemplate=f"iteration %{{x}}<br>test {what} %{{y:{number_format}}}<extra></extra>",
            )
        )
    return traces


def loss_figure(
    result: RunResult, log_y: bool = False, marker_iteration: int | None = None, optimum: float | None = None
) -> go.Figure:
    """Training loss at every iteration, test loss at the recorded ones, and the optimum if given."""
    curve = result.loss_curve
    train_name = "train (loss + L2 penalty)" if result.config.alpha > 0 else "train"
    test = result.test_curves
    traces = _train_and_test(
        (np.arange(len(curve)), curve, train_name), (test.iterations, test.loss) if test else None, "loss", ".6g"
    )
    if marker_iteration is not None and 0 <= marker_iteration < len(curve):
        traces.append(
            dict(
                type="scatter",
                x=[marker_iteration],
                y=[curve[marker_iteration]],
                mode="markers",
                name="now",
                marker={"size": 11, "color": "black", "symbol": "circle-open", "line": {"width": 2}},
                hovertemplate="iteration %{x}<br>loss %{y:.6g}<extra></extra>",
            )
        )
    marks = []
    if optimum is not None:
        marks.append(marker_line(optimum, "y", f"optimum {optimum:.4g}", "#009E73"))
    if result.diverged_at is not None:
        marks.append(marker_line(result.diverged_at, "x", f"diverged at {result.diverged_at}", "#B00020"))
    look = layout(
        "Loss per iteration",
        "iteration",
        "cross-entropy loss",
        yaxis={"type": "log"} if log_y else None,
        **({"shapes": [shape for shape, _ in marks], "annotations": [label for _, label in marks]} if marks else {}),
    )
    return figure(traces, look)


def accuracy_figure(result: RunResult) -> go.Figure:
    """Share of points classified correctly at each recorded iteration."""
    train, test = result.train_curves, result.test_curves
    traces = _train_and_test(
        (train.iterations, train.accuracy, "train"),
        (test.iterations, test.accuracy) if test else None,
        "accuracy",
        ".1%",
    )
    look = layout("Accuracy per iteration", "iteration", "accuracy", yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    return figure(traces, look)


def boundary_figure(
    result: RunResult,
    iteration: int | None = None,
    resolution: int = 100,
    max_points: int = MAX_POINTS,
    size_by_loss: bool = False,
    axes: tuple[int, int] = (0, 1),
) -> go.Figure:
    """Predicted probability over the plane of inputs ``axes``, with the data on top.

    Two classes: a heatmap of P(second class) and the 0.5 line(s). More classes:
    each class's region shaded by its probability. Misclassified points are
    crossed out. At most ``max_points`` points are drawn (a seeded sample).
    With ``size_by_loss`` each point's size grows with its cross-entropy. A model
    of more inputs is shown as the slice through it where the others are held at
    typical values, which the subtitle names; the points are placed by their own
    two values and judged by the whole model.
    """
    if result.train.n_features < 2:
        raise ValueError("the boundary chart needs at least two inputs")
    model, fmap = result.model, result.feature_map
    names = [plain(result.train.feature_names[a]) for a in axes]
    gx, gy, grid = input_grid(result, resolution, axes)
    proba = model.predict_proba(fmap.transform(grid_inputs(result, grid, axes)), iteration=iteration)
    proba = proba.astype(np.float32)
    labels = [plain(c) for c in model.classes_]
    if len(labels) == 2:
        traces = _two_class_map(gx, gy, proba[:, 1].reshape(resolution, resolution), labels[1], names)
    else:
        traces = _class_regions(gx, gy, proba, labels)
    traces += _points(result, iteration, max_points, size_by_loss, axes)
    return figure(traces, _boundary_layout(result, names, gx, gy, max_points, held_note(result, axes)))


def _two_class_map(gx: np.ndarray, gy: np.ndarray, P: np.ndarray, second: str, names: list[str]) -> list:
    """A heatmap of P(second class) and the line(s) where it is one half."""
    c0, c1 = class_color(0), class_color(1)
    traces = [
        dict(
            type="heatmap",
            x=gx,
            y=gy,
            z=P,
            zmin=0,
            zmax=1,
            zsmooth="fast",  # the browser scales the image; "best" costs twice the drawing time
            name=f"P({second})",
            colorscale=[[0, rgba(c0, 0.55)], [0.5, "rgba(255,255,255,0.2)"], [1, rgba(c1, 0.55)]],
            # No colour bar: it is laid out and drawn as an axis of its own on every redraw, which cost about
            # as much as the rest of the chart; the points' legend says which colour is which class, and a
            # hover gives the probability.
            showscale=False,
            hovertemplate=f"{names[0]} %{{x:.3g}}<br>{names[1]} %{{y:.3g}}<br>P({second}) %{{z:.3f}}<extra></extra>",
        )
    ]
    # Traced here rather than as a plotly contour, which the page would trace again on every redraw.
    for line in level_lines(gx, gy, P, 0.5):
        traces.append(
            dict(
                type="scatter",
                x=line[:, 0].astype(np.float32),
                y=line[:, 1].astype(np.float32),
                mode="lines",
                name="P = 0.5",
                legendgroup="boundary",
                showlegend=False,
                hoverinfo="skip",
                line={"color": "black", "width": 2},
            )
        )
    return traces


def _class_regions(gx: np.ndarray, gy: np.ndarray, proba: np.ndarray, labels: list[str]) -> list:
    """One heatmap per class, shading the region it wins by how sure the model is there."""
    k = len(labels)
    top = proba.argmax(axis=1)
    best = proba.max(axis=1)
    traces = []
    for i in range(k):
        # Outside its own region a class's layer is 0, drawn fully transparent: no NaN reaches the page.
        z = np.where(top == i, best, 0.0).astype(np.float32).reshape(len(gy), len(gx))
        color = class_color(i)
        traces.append(
            dict(
                type="heatmap",
                x=gx,
                y=gy,
                z=z,
                zmin=0,
                zmax=1,
                zsmooth="fast",
                showscale=False,
                hoverinfo="skip",
                name=f"P({labels[i]})",
                colorscale=[[0, rgba(color, 0)], [1.0 / k, rgba(color, 0.08)], [1, rgba(color, 0.6)]],
            )
        )
    return traces


def _boundary_layout(
    result: RunResult, names: list[str], gx: np.ndarray, gy: np.ndarray, max_points: int, held: str | None = None
) -> dict:
    """Axes fitted to the grid, the legend underneath, and a subtitle saying what is held and what sampled."""
    sampled = sample_note(
        result.train.n_samples + (result.test.n_samples if result.test is not None else 0), max_points
    )
    note = "; ".join(plain(n) for n in (held, sampled) if n)
    look = layout(
        "Decision boundary",
        names[0],
        names[1],
        height=500,
        xaxis={"range": [gx[0], gx[-1]], "showgrid": False, "zeroline": False},
        yaxis={"range": [gy[0], gy[-1]], "showgrid": False, "zeroline": False},
        # Below the plot: many class entries would collide with the title on a narrow screen.
        # Far enough down to clear the x axis title, which it covered at -0.14.
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0.0},
    )
    if note:
        look["title"]["subtitle"] = {"text": note}
    return look


def _points(
    result: RunResult, iteration: int | None, max_points: int, size_by_loss: bool, axes: tuple[int, int] = (0, 1)
) -> list:
    """The data as marker traces, one per split and class, and the misclassified points crossed out."""
    traces = []
    parts = [("train", result.train, "circle")]
    if result.test is not None:
        parts.append(("test", result.test, "diamond"))
    total = sum(p.n_samples for _, p, _ in parts)
    scatter = "scattergl" if total > 2000 else "scatter"
    names = [plain(result.train.feature_names[a]) for a in axes]
    ax, ay = axes
    wrong_x, wrong_y = [], []
    for part_name, part, symbol in parts:
        take = sample_indices(part.n_samples, max(1, round(max_points * part.n_samples / total)))
        sample = part if len(take) == part.n_samples else Dataset(part.X[take], part.y[take], part.feature_names)
        pts = point_losses(result, sample, iteration)
        X, y = sample.X, sample.y
        base = 8 if part_name == "train" else 9
        sizes = np.clip(base * 0.6 + 5.0 * np.sqrt(pts.loss), 4, 30).astype(np.float32) if size_by_loss else None
        for i, c in enumerate(result.model.classes_):
            mask = y == c
            if not mask.any():
                continue
            traces.append(
                dict(
                    type=scatter,
                    x=X[mask, ax].astype(np.float32),
                    y=X[mask, ay].astype(np.float32),
                    mode="markers",
                    name=f"{part_name}: {plain(c)}",
                    legendgroup=f"class{i}",
                    marker={
                        "color": class_color(i),
                        "symbol": symbol,
                        "size": base if sizes is None else sizes[mask],
                        "line": {"color": "white" if part_name == "train" else "black", "width": 1},
                    },
                    customdata=np.column_stack([pts.p_true[mask], pts.loss[mask]]).astype(np.float32),
                    hovertemplate=f"{part_name} point<br>{names[0]} %{{x:.3g}}<br>{names[1]} %{{y:.3g}}<br>"
                    f"y = {plain(c)}, p(y) %{{customdata[0]:.3f}}<br>−log p %{{customdata[1]:.3f}}<extra></extra>",
                )
            )
        bad = pts.predicted != y
        wrong_x.append(X[bad, ax])
        wrong_y.append(X[bad, ay])
    wx, wy = np.concatenate(wrong_x), np.concatenate(wrong_y)
    if len(wx):
        traces.append(
            dict(
                type=scatter,
                x=wx,
                y=wy,
                mode="markers",
                name=f"misclassified ({len(wx)})",
                hoverinfo="skip",
                marker={"symbol": "x-thin", "size": 11, "color": "black", "line": {"width": 2, "color": "black"}},
            )
        )
    return traces
