"""Figure builders for the views that explain the learning: replay weights, landscape, per-point loss,
gap to the optimum, runs side by side, learning-rate sweep, optimiser race and confusion matrix.

Like ``training_figures``, every function is pure: results in, ``go.Figure`` out.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from cedash.plots.shown_data import MAX_POINTS, grid_inputs, input_grid, sample_indices, sample_note
from cedash.plots.style import (
    TEST_COLOR,
    TRAIN_COLOR,
    apply_layout,
    class_color,
    figure,
    layout,
    plain,
    rgba,
    run_color,
)
from cedash.runs.landscape import Landscape, weight_names
from cedash.runs.pointwise import PointLosses


def weights_figure(result, iteration: int | None = None) -> go.Figure:
    """Every learned number at ``iteration`` (default: the end), as bars."""
    model = result.model
    coef, intercept = (model.coef_, model.intercept_) if iteration is None else model.weights_at(iteration)
    names = [plain(n) for n in weight_names(model, result.feature_map.feature_names_)]
    values = np.concatenate([coef.ravel(), intercept.ravel()])
    colors = np.where(values >= 0, TRAIN_COLOR, TEST_COLOR)
    fig = go.Figure(
        go.Bar(
            x=np.array(names, dtype=object),
            y=values,
            marker_color=colors,
            hovertemplate="%{x}<br>value %{y:.4g}<extra></extra>",
        )
    )
    shown = model.n_iter_ if iteration is None else iteration
    return apply_layout(fig, f"Weights at iteration {shown}", "weight", "value", height=320)


def landscape_figure(
    land: Landscape, paths: dict[str, tuple[np.ndarray, np.ndarray]] | None = None, marker_iteration: int | None = None
) -> go.Figure:
    """Contours of the training loss over two weights, with the descent path(s) on top.

    ``paths`` maps a name to (iterations, points of shape (m, 2)); by default
    the landscape's own path is drawn. Start and end of each are marked.
    """
    fig = go.Figure(_loss_contours(land))
    paths = paths or {"gradient descent": (land.path_iterations, land.path)}
    for n, (name, (iters, pts)) in enumerate(paths.items()):
        # One path is white, to stand out on the contours; the caption names it, as a legend swatch would vanish.
        color = run_color(n) if len(paths) > 1 else "white"
        for trace in _descent_path(name, iters, pts, color, legend=len(paths) > 1):
            fig.add_trace(trace)
    if marker_iteration is not None:
        iters, pts = next(iter(paths.values()))
        fig.add_trace(_point_at(iters, pts, marker_iteration))
    apply_layout(fig, "Loss landscape", plain(land.names[0]), plain(land.names[1]), height=480)
    fig.update_xaxes(range=[land.a[0], land.a[-1]])
    fig.update_yaxes(range=[land.b[0], land.b[-1]])
    return fig


def _loss_contours(land: Landscape) -> go.Contour:
    """The training loss over the two weights, as filled contours."""
    return go.Contour(
        x=land.a,
        y=land.b,
        z=land.loss.astype(np.float32),
        colorscale="Viridis",
        ncontours=30,
        colorbar={"title": {"text": "loss"}, "thickness": 12},
        name="loss",
        hovertemplate=f"{plain(land.names[0])} %{{x:.3g}}<br>{plain(land.names[1])} %{{y:.3g}}<br>"
        "loss %{z:.4g}<extra></extra>",
    )


def _descent_path(name: str, iters: np.ndarray, pts: np.ndarray, color: str, legend: bool = True) -> list[go.Scatter]:
    """One path through the weights: the line, a dot at its start and a star at its end."""
    return [
        go.Scatter(
            x=pts[:, 0],
            y=pts[:, 1],
            mode="lines+markers",
            name=plain(name),
            showlegend=legend,
            customdata=iters,
            line={"color": color, "width": 2},
            marker={"size": 4, "color": color},
            hovertemplate="iteration %{customdata}<br>(%{x:.3g}, %{y:.3g})<extra>" + plain(name) + "</extra>",
        ),
        go.Scatter(
            x=pts[:1, 0],
            y=pts[:1, 1],
            mode="markers",
            name=f"{name}: start",
            showlegend=False,
            marker={"size": 12, "symbol": "circle", "color": "#2ca02c", "line": {"color": "black", "width": 1}},
            hovertemplate="start<extra></extra>",
        ),
        go.Scatter(
            x=pts[-1:, 0],
            y=pts[-1:, 1],
            mode="markers",
            name=f"{name}: end",
            showlegend=False,
            marker={"size": 15, "symbol": "star", "color": "#d62728", "line": {"color": "black", "width": 1}},
            hovertemplate="end<extra></extra>",
        ),
    ]


def _point_at(iters: np.ndarray, pts: np.ndarray, iteration: int) -> go.Scatter:
    """A ring on the path at the last recorded point at or before ``iteration``."""
    i = max(0, int(np.searchsorted(iters, iteration, side="right")) - 1)
    return go.Scatter(
        x=pts[i : i + 1, 0],
        y=pts[i : i + 1, 1],
        mode="markers",
        name="now",
        marker={"size": 14, "symbol": "circle-open", "color": "black", "line": {"width": 3}},
    )


def point_loss_figure(points: PointLosses, classes, max_points: int = MAX_POINTS) -> go.Figure:
    """Every point's loss, largest first: the few points that cost the most stand out.

    Over ``max_points`` points, an evenly spaced selection of the sorted losses is
    drawn (the largest always included), which keeps the shape of the curve.
    """
    order = np.argsort(points.loss)[::-1]
    if len(order) > max_points:
        order = order[np.unique(np.linspace(0, len(order) - 1, max_points).round().astype(int))]
    cls_index = np.searchsorted(classes, points.y[order])
    colors = np.array([class_color(i) for i in range(len(classes))], dtype=object)[
        np.minimum(cls_index, len(classes) - 1)
    ]
    fig = go.Figure(
        go.Bar(
            x=np.arange(1, len(order) + 1),
            y=points.loss[order],
            marker_color=colors,
            text=np.array([plain(v) for v in points.y[order]], dtype=object),
            # The label is for the hover; printed on 150 thin bars it was a row of unreadable specks.
            textposition="none",
            customdata=points.p_true[order],
            hovertemplate="rank %{x}<br>label %{text}<br>p(label) %{customdata:.3g}<br>−log p %{y:.4g}<extra></extra>",
        )
    )
    apply_layout(fig, "Loss of each point, largest first", "point (sorted by loss)", "−log p(true label)", 320)
    note = sample_note(len(points.loss), max_points)
    if note:
        fig.update_layout(title={"subtitle": {"text": note}})
    return fig


def neg_log_figure(points: PointLosses, classes, max_points: int = MAX_POINTS) -> go.Figure:
    """The curve −log p against p, with every point placed on it: confidently wrong costs most."""
    # A linear p axis shows the shape of the penalty: flat near 1, climbing without limit towards 0.
    p = np.concatenate([np.logspace(-4, -2, 60), np.linspace(0.0101, 1, 240)])
    fig = go.Figure(
        go.Scatter(
            x=p,
            y=-np.log(p),
            mode="lines",
            name="−log p",
            line={"color": "#555", "width": 2},
            hovertemplate="p %{x:.3g}<br>−log p %{y:.3g}<extra></extra>",
        )
    )
    keep = sample_indices(len(points.loss), max_points)
    for i, c in enumerate(classes):
        mask = np.zeros(len(points.loss), dtype=bool)
        mask[keep] = points.y[keep] == c
        if mask.any():
            fig.add_trace(
                go.Scatter(
                    x=np.maximum(points.p_true[mask], 1e-4),
                    y=points.loss[mask],
                    mode="markers",
                    name=f"label {c}",
                    marker={"color": class_color(i), "size": 8, "line": {"color": "white", "width": 1}},
                    hovertemplate=f"label {plain(c)}<br>p(label) %{{x:.3g}}<br>−log p %{{y:.4g}}<extra></extra>",
                )
            )
    apply_layout(fig, "What each point costs: −log p", "probability the model gives the true label", "loss", 360)
    fig.update_xaxes(range=[0, 1.02])
    fig.update_yaxes(range=[0, max(5.0, float(points.loss.max()) * 1.1 if len(points.loss) else 5.0)])
    return fig


def gap_figure(curves: dict[str, np.ndarray], optimum: float) -> go.Figure:
    """Loss minus the optimum on a log scale: how fast each run closes the gap."""
    traces = []
    for n, (name, curve) in enumerate(curves.items()):
        gap = np.maximum(np.asarray(curve) - optimum, 1e-16)
        traces.append(
            dict(
                type="scatter",
                x=np.arange(len(gap)),
                y=gap,
                mode="lines",
                name=plain(name),
                line={"color": run_color(n), "width": 2},
                hovertemplate="iteration %{x}<br>gap %{y:.3g}<extra>" + plain(name) + "</extra>",
            )
        )
    look = layout(
        "Gap to the optimum", "iteration", "loss − optimal loss", yaxis={"type": "log", "exponentformat": "power"}
    )
    return figure(traces, look)


def compare_loss_figure(
    curves: dict[str, np.ndarray],
    title: str = "Loss per iteration, runs compared",
    diverged: dict[str, int | None] | None = None,
    colors: list[str] | None = None,
) -> go.Figure:
    """Several loss curves on one chart; diverged runs end with a cross. ``colors`` replaces the run colours."""
    traces = []
    for n, (name, curve) in enumerate(curves.items()):
        color = colors[n] if colors else run_color(n)
        traces.append(
            dict(
                type="scatter",
                x=np.arange(len(curve)),
                y=np.asarray(curve),
                mode="lines",
                name=plain(name),
                line={"color": color, "width": 2},
                hovertemplate="iteration %{x}<br>loss %{y:.5g}<extra>" + plain(name) + "</extra>",
            )
        )
        if diverged and diverged.get(name) is not None:
            traces.append(
                dict(
                    type="scatter",
                    x=[len(curve) - 1],
                    y=[curve[-1]],
                    mode="markers",
                    showlegend=False,
                    marker={"symbol": "x", "size": 12, "color": color},
                    hovertemplate=f"{plain(name)} diverged at {diverged[name]}<extra></extra>",
                )
            )
    return figure(traces, layout(title, "iteration", "training loss"))


def sweep_figure(sweep) -> go.Figure:
    """Final loss against learning rate (log axis), diverged rates crossed out, the best one starred."""
    rates, finals = sweep.learning_rates, sweep.final_losses
    ok = np.array([d is None for d in sweep.diverged_at])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=rates[ok],
            y=finals[ok],
            mode="lines+markers",
            name="final loss",
            line={"color": TRAIN_COLOR, "width": 2},
            marker={"size": 8},
            hovertemplate="learning rate %{x:.3g}<br>final loss %{y:.5g}<extra></extra>",
        )
    )
    if (~ok).any():
        fig.add_trace(
            go.Scatter(
                x=rates[~ok],
                y=finals[~ok],
                mode="markers",
                name="diverged",
                marker={"symbol": "x", "size": 13, "color": "#B00020"},
                customdata=np.array([d for d in sweep.diverged_at if d is not None]),
                hovertemplate="learning rate %{x:.3g}<br>diverged at iteration %{customdata}<extra></extra>",
            )
        )
    best = sweep.best_index
    if best is not None:
        fig.add_trace(
            go.Scatter(
                x=[rates[best]],
                y=[finals[best]],
                mode="markers",
                name="best",
                marker={"symbol": "star", "size": 18, "color": "#E69F00", "line": {"color": "black", "width": 1}},
                hovertemplate="best: learning rate %{x:.3g}<br>final loss %{y:.5g}<extra></extra>",
            )
        )
    apply_layout(fig, "Learning-rate sweep: final loss", "learning rate", "final training loss")
    fig.update_xaxes(type="log", exponentformat="power")
    return fig


def sweep_curves_figure(sweep) -> go.Figure:
    """Every swept rate's loss curve, coloured from dark (smallest rate) to light (largest), legend below.

    The rates are ordered, so one colour scale shows the order; the run colours repeat after eight and made
    0.001 and 0.8 the same blue. A legend of a dozen rates above the plot wrapped over the title.
    """
    rates = np.asarray(sweep.learning_rates)
    names = {f"lr {r:.3g}": c for r, c in zip(rates, sweep.loss_curves, strict=True)}
    diverged = {f"lr {r:.3g}": d for r, d in zip(rates, sweep.diverged_at, strict=True)}
    rank = np.argsort(np.argsort(rates))
    shades = sample_colorscale("Viridis", list(rank / max(len(rates) - 1, 1) * 0.9))  # 0.9: no pale yellow
    fig = compare_loss_figure(names, "Learning-rate sweep: loss curves", diverged, colors=shades)
    rows = -(-len(names) // 2)  # two to a row on a phone, the narrowest
    fig.update_layout(
        height=380 + 21 * rows,
        margin={"b": 60 + 21 * rows},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0, "yanchor": "bottom"},
    )
    fig.update_yaxes(type="log")
    return fig


def confusion_figure(matrix: np.ndarray, classes, title: str = "Confusion matrix") -> go.Figure:
    labels = np.array([plain(c) for c in classes], dtype=object)
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=labels,
            y=labels,
            colorscale="Blues",
            showscale=False,
            text=matrix,
            texttemplate="%{text}",
            hovertemplate="true %{y}<br>predicted %{x}<br>%{z} points<extra></extra>",
        )
    )
    apply_layout(fig, title, "predicted class", "true class", height=360)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig


def class_probability_figures(result, resolution: int = 80, axes: tuple[int, int] = (0, 1)) -> list[go.Figure]:
    """One map per class: the probability the model gives that class over the plane of inputs ``axes``."""
    gx, gy, grid = input_grid(result, resolution, axes)
    proba = result.model.predict_proba(result.feature_map.transform(grid_inputs(result, grid, axes)))
    proba = proba.astype(np.float32)
    names = [plain(result.train.feature_names[a]) for a in axes]
    out = []
    for i, c in enumerate(result.classes):
        color = class_color(i)
        fig = go.Figure(
            go.Heatmap(
                x=gx,
                y=gy,
                z=proba[:, i].reshape(resolution, resolution),
                zmin=0,
                zmax=1,
                zsmooth="best",
                colorscale=[[0, "rgba(255,255,255,0)"], [1, rgba(color, 0.85)]],
                colorbar={"thickness": 10},
                hovertemplate=f"{names[0]} %{{x:.3g}}<br>{names[1]} %{{y:.3g}}<br>P({plain(c)}) %{{z:.3f}}"
                "<extra></extra>",
            )
        )
        apply_layout(fig, f"P({plain(c)})", names[0], names[1], height=300)
        out.append(fig)
    return out
