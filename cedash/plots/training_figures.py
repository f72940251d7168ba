"""Plotly figure builders: pure functions from a run's results to a ``go.Figure``.

Nothing here draws on screen or reads widget state, so tests can inspect every
trace. Arrays go to Plotly as numpy arrays (float32 where the precision is not
visible) because Plotly 7 ships them base64-encoded: smaller pages, faster reruns.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cedash.data.dataset import Dataset
from cedash.plots.contour import level_lines
from cedash.runs.experiment import RunResult
from cedash.runs.pointwise import point_losses

# Okabe-Ito: distinguishable with the common forms of colour blindness.
CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
TRAIN_COLOR, TEST_COLOR = "#0072B2", "#D55E00"
MAX_POINTS = 20_000


def plain(text) -> str:
    """User text for Plotly, which reads a few HTML tags (links among them) in titles and names: escape them."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def class_color(i: int) -> str:
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# The page's own font first, so charts read like the text around them.
FONT = '"Source Sans", "Source Sans Pro", sans-serif'
# Plain colours instead of a named template: templates are validated and copied on every figure, which
# costs milliseconds per chart and kilobytes per page. The dashboard also skips Streamlit's chart theme,
# so a figure sets everything it relies on.
AXIS = {"gridcolor": "#E5E9EF", "zerolinecolor": "#C9D1DB", "linecolor": "#C9D1DB"}


def layout(title: str, x: str, y: str, height: int = 380, *, xaxis=None, yaxis=None, **extra) -> dict:
    """The layout every cedash chart shares, as a plain dict; ``xaxis``, ``yaxis`` and ``extra`` add to it.

    Builders pass it to ``go.Figure(data, layout)`` in one go: plotly validates a
    whole layout given at construction about 7x faster than the same settings
    applied by ``update_layout`` and ``update_xaxes`` calls, which were half of
    a rerun's server time.
    """
    return {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        "xaxis": {**AXIS, "title": {"text": x}, **(xaxis or {})},
        "yaxis": {**AXIS, "title": {"text": y}, **(yaxis or {})},
        "height": height,
        # Fixed room for ticks and axis titles: automatic margins make plotly lay every chart out twice.
        "margin": {"l": 66, "r": 24, "t": 50, "b": 50},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        "hovermode": "closest",
        "font": {"family": FONT, "size": 13, "color": "#31333F"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        **extra,
    }


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 380) -> go.Figure:
    """:func:`layout` applied to a figure built trace by trace (the views that are not redrawn on every change).

    Assigned as a whole rather than through ``update_layout``, which costs 5x more.
    """
    merged = fig.layout.to_plotly_json()
    for key, value in layout(title, x, y, height).items():
        old = merged.get(key)
        merged[key] = {**old, **value} if isinstance(old, dict) and isinstance(value, dict) else value
    fig.layout = merged
    return fig


def _marker_line(value: float, axis: str, text: str, color: str) -> tuple[dict, dict]:
    """A dashed line across the plot at ``value`` on ``axis`` ("x" or "y"), and its label."""
    other = "y" if axis == "x" else "x"
    shape = {
        "type": "line",
        f"{axis}0": value,
        f"{axis}1": value,
        f"{other}0": 0,
        f"{other}1": 1,
        "xref": "x" if axis == "x" else "x domain",
        "yref": "y" if axis == "y" else "y domain",
        "line": {"color": color, "dash": "dash", "width": 1.5},
    }
    label = {
        "text": text,
        "showarrow": False,
        "x": value if axis == "x" else 0,
        "y": value if axis == "y" else 1,
        "xref": shape["xref"],
        "yref": shape["yref"],
        "xanchor": "left",
        "yanchor": "bottom" if axis == "y" else "top",
    }
    return shape, label


def loss_figure(
    result: RunResult, log_y: bool = False, marker_iteration: int | None = None, optimum: float | None = None
) -> go.Figure:
    """Training loss at every iteration, test loss at the recorded ones, and the optimum if given."""
    curve = result.loss_curve
    penalised = result.config.alpha > 0
    traces = [
        go.Scatter(
            x=np.arange(len(curve)),
            y=curve,
            mode="lines",
            name="train (loss + L2 penalty)" if penalised else "train",
            line={"color": TRAIN_COLOR, "width": 2},
            hovertemplate="iteration %{x}<br>train loss %{y:.6g}<extra></extra>",
        )
    ]
    if result.test_curves is not None:
        traces.append(
            go.Scatter(
                x=result.test_curves.iterations,
                y=result.test_curves.loss,
                mode="lines",
                name="test",
                line={"color": TEST_COLOR, "width": 2, "dash": "dot"},
                hovertemplate="iteration %{x}<br>test loss %{y:.6g}<extra></extra>",
            )
        )
    if marker_iteration is not None and 0 <= marker_iteration < len(curve):
        traces.append(
            go.Scatter(
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
        marks.append(_marker_line(optimum, "y", f"optimum {optimum:.4g}", "#009E73"))
    if result.diverged_at is not None:
        marks.append(_marker_line(result.diverged_at, "x", f"diverged at {result.diverged_at}", "#B00020"))
    look = layout(
        "Loss per iteration",
        "iteration",
        "cross-entropy loss",
        yaxis={"type": "log"} if log_y else None,
        shapes=[shape for shape, _ in marks],
        annotations=[label for _, label in marks],
    )
    return go.Figure(traces, look)


def accuracy_figure(result: RunResult) -> go.Figure:
    """Share of points classified correctly at each recorded iteration."""
    traces = [
        go.Scatter(
            x=result.train_curves.iterations,
            y=result.train_curves.accuracy,
            mode="lines",
            name="train",
            line={"color": TRAIN_COLOR, "width": 2},
            hovertemplate="iteration %{x}<br>train accuracy %{y:.1%}<extra></extra>",
        )
    ]
    if result.test_curves is not None:
        traces.append(
            go.Scatter(
                x=result.test_curves.iterations,
                y=result.test_curves.accuracy,
                mode="lines",
                name="test",
                line={"color": TEST_COLOR, "width": 2, "dash": "dot"},
                hovertemplate="iteration %{x}<br>test accuracy %{y:.1%}<extra></extra>",
            )
        )
    look = layout("Accuracy per iteration", "iteration", "accuracy", yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    return go.Figure(traces, look)


def _grid(result: RunResult, resolution: int):
    parts = [result.train.X] + ([result.test.X] if result.test is not None else [])
    X = np.vstack(parts)
    lo, hi = X.min(axis=0), X.max(axis=0)
    # Written so that data near the float limit (1e308) cannot overflow: no hi - lo, no lo - pad.
    big = np.finfo(np.float64).max
    pad = np.where(hi > lo, 0.08 * hi - 0.08 * lo, 1.0)
    start = np.maximum(lo, -big + pad) - pad
    stop = np.minimum(hi, big - pad) + pad
    t = np.linspace(0.0, 1.0, resolution)
    gx = start[0] * (1 - t) + stop[0] * t
    gy = start[1] * (1 - t) + stop[1] * t
    xx, yy = np.meshgrid(gx, gy)
    return gx, gy, np.column_stack([xx.ravel(), yy.ravel()])


def sample_note(n: int, limit: int) -> str | None:
    """What a chart says when it draws a sample of the points instead of all of them."""
    if n <= limit:
        return None
    return f"showing a random sample of {limit:,} of the {n:,} points"


def _sample(n: int, limit: int, seed: int = 0) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def boundary_figure(
    result: RunResult,
    iteration: int | None = None,
    resolution: int = 100,
    max_points: int = MAX_POINTS,
    size_by_loss: bool = False,
) -> go.Figure:
    """Predicted probability over the plane of the two input features, with the data on top.

    Two classes: a heatmap of P(second class) and the 0.5 line(s). More classes:
    each class's region shaded by its probability. Misclassified points are
    crossed out. At most ``max_points`` points are drawn (a seeded sample).
    With ``size_by_loss`` each point's size grows with its cross-entropy.
    """
    if result.train.n_features != 2:
        raise ValueError("the boundary chart needs exactly two input features")
    model, fmap = result.model, result.feature_map
    names = [plain(n) for n in result.train.feature_names]
    gx, gy, grid = _grid(result, resolution)
    proba = model.predict_proba(fmap.transform(grid), iteration=iteration).astype(np.float32)
    classes = model.classes_
    labels = [plain(c) for c in classes]
    k = len(classes)
    traces = []
    if k == 2:
        P = proba[:, 1].reshape(resolution, resolution)
        c0, c1 = class_color(0), class_color(1)
        traces.append(
            go.Heatmap(
                x=gx,
                y=gy,
                z=P,
                zmin=0,
                zmax=1,
                zsmooth="fast",  # the browser scales the image; "best" costs twice the drawing time
                name=f"P({labels[1]})",
                colorscale=[[0, _rgba(c0, 0.55)], [0.5, "rgba(255,255,255,0.2)"], [1, _rgba(c1, 0.55)]],
                colorbar={"title": {"text": f"P({labels[1]})"}, "thickness": 12, "len": 0.8},
                hovertemplate=f"{names[0]} %{{x:.3g}}<br>{names[1]} %{{y:.3g}}<br>P({labels[1]}) %{{z:.3f}}"
                "<extra></extra>",
            )
        )
        # Traced here rather than as a plotly contour, which the page would trace again on every redraw.
        for line in level_lines(gx, gy, P, 0.5):
            traces.append(
                go.Scatter(
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
    else:
        top = proba.argmax(axis=1)
        best = proba.max(axis=1)
        for i in range(k):
            # Outside its own region a class's layer is 0, drawn fully transparent: no NaN reaches the page.
            z = np.where(top == i, best, 0.0).astype(np.float32).reshape(resolution, resolution)
            color = class_color(i)
            traces.append(
                go.Heatmap(
                    x=gx,
                    y=gy,
                    z=z,
                    zmin=0,
                    zmax=1,
                    zsmooth="fast",
                    showscale=False,
                    hoverinfo="skip",
                    name=f"P({labels[i]})",
                    colorscale=[[0, _rgba(color, 0)], [1.0 / k, _rgba(color, 0.08)], [1, _rgba(color, 0.6)]],
                )
            )
    traces += _points(result, iteration, max_points, size_by_loss)
    note = sample_note(result.train.n_samples + (result.test.n_samples if result.test is not None else 0), max_points)
    look = layout(
        "Decision boundary",
        names[0],
        names[1],
        height=500,
        xaxis={"range": [gx[0], gx[-1]], "showgrid": False, "zeroline": False},
        yaxis={"range": [gy[0], gy[-1]], "showgrid": False, "zeroline": False},
        # Below the plot: many class entries would collide with the title on a narrow screen.
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "left", "x": 0.0},
    )
    if note:
        look["title"]["subtitle"] = {"text": note}
    return go.Figure(traces, look)


def _points(result: RunResult, iteration: int | None, max_points: int, size_by_loss: bool) -> list:
    """The data as marker traces, one per split and class, and the misclassified points crossed out."""
    traces = []
    parts = [("train", result.train, "circle")]
    if result.test is not None:
        parts.append(("test", result.test, "diamond"))
    total = sum(p.n_samples for _, p, _ in parts)
    Scatter = go.Scattergl if total > 2000 else go.Scatter
    names = [plain(n) for n in result.train.feature_names]
    wrong_x, wrong_y = [], []
    for part_name, part, symbol in parts:
        take = _sample(part.n_samples, max(1, round(max_points * part.n_samples / total)))
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
                Scatter(
                    x=X[mask, 0].astype(np.float32),
                    y=X[mask, 1].astype(np.float32),
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
        wrong_x.append(X[bad, 0])
        wrong_y.append(X[bad, 1])
    wx, wy = np.concatenate(wrong_x), np.concatenate(wrong_y)
    if len(wx):
        traces.append(
            Scatter(
                x=wx,
                y=wy,
                mode="markers",
                name=f"misclassified ({len(wx)})",
                hoverinfo="skip",
                marker={"symbol": "x-thin", "size": 11, "color": "black", "line": {"width": 2, "color": "black"}},
            )
        )
    return traces
