"""The "watch it learn" figure: the boundary and the loss curve side by side, animated in the browser.

Every frame is computed here, so the page plays the run without asking the
server for anything: the boundary moves and the loss curve grows together, at
the frame rate of the browser. Most of a run's change happens in its first
iterations, so the frames sit on a log scale of iterations. The figure opens on
its last frame, which is the trained model itself.

Everything that moves is a plain line or filled-outline trace (the probability
shown as a few filled bands, not a heatmap): plotly then moves a frame without
redrawing the figure (``redraw: False``), about a third of the time a full
redraw takes, which is what keeps Play at ten frames a second or more.
"""

from __future__ import annotations

import base64
from itertools import pairwise

import contourpy
import numpy as np
import plotly.graph_objects as go

from cedash.plots.contour import level_lines
from cedash.plots.shown_data import grid_inputs, held_note, input_grid
from cedash.plots.style import class_color, figure, layout, plain, rgba
from cedash.runs.experiment import RunResult

PLAY_FRAMES = 90  # asked for; 66 distinct iterations of a 500-iteration run
FRAME_MS = 70  # plotly starts the next frame at the first display refresh after this: 83 ms at 60 Hz, 12 a second
GRID = 48  # cells a side for the probability bands: enough to see the boundary move
# Two classes: P(second class) in four bands (each holds lower < P <= upper), the outer two (a sure
# model) darker than the inner two.
BAND_EDGES = (-1e-9, 0.25, 0.5, 0.75, 1.0)
BAND_ALPHA = (0.45, 0.18, 0.18, 0.45)


def _typed(value):
    """A numpy array as plotly's own base64 form, which its validators pass through as it is.

    Frames hold a few hundred small arrays; handed over as numpy arrays each one
    is inspected and copied by plotly's validators, which costs more than
    computing the frames.
    """
    if not isinstance(value, np.ndarray):
        return value
    a = np.ascontiguousarray(value)
    spec = {"dtype": a.dtype.str.lstrip("<|="), "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ",".join(str(n) for n in a.shape)
    return spec


def frame_iterations(n_iter: int, frames: int = PLAY_FRAMES) -> np.ndarray:
    """Up to ``frames`` iterations from 0 to ``n_iter``, spaced on a log scale, always with both ends."""
    if n_iter <= 0:
        return np.array([0])
    steps = np.unique(np.round(np.geomspace(1, n_iter, frames - 1)).astype(int))
    return np.concatenate([[0], steps])


def probability_maps(result: RunResult, inputs: np.ndarray, iterations: np.ndarray) -> np.ndarray:
    """One ``GRID x GRID x k`` array of class probabilities per frame (float32)."""
    model = result.model
    mapped = result.feature_map.transform(inputs)
    maps = [model.predict_proba(mapped, iteration=int(it)).astype(np.float32) for it in iterations]
    return np.stack(maps).reshape(len(iterations), GRID, GRID, -1)


def _joined(pieces: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Point arrays as one trace's x and y, pieces separated by NaN (one NaN when there is none)."""
    if not pieces:
        return np.array([np.nan], np.float32), np.array([np.nan], np.float32)
    gap = np.full((1, 2), np.nan)
    joined = np.concatenate([p for piece in pieces for p in (piece, gap)][:-1])
    return joined[:, 0].astype(np.float32), joined[:, 1].astype(np.float32)


def _outlines(gx: np.ndarray, gy: np.ndarray, z: np.ndarray, low: float, high: float) -> list[np.ndarray]:
    """The rings (outer ones and holes) of the region where ``low < z <= high``."""
    generator = contourpy.contour_generator(
        gx.astype(np.float64), gy.astype(np.float64), z.astype(np.float64), fill_type=contourpy.FillType.OuterOffset
    )
    points, offsets = generator.filled(low, high)
    rings = [p[a:b] for p, o in zip(points, offsets, strict=True) for a, b in pairwise(o)]
    return [_without_straight_runs(ring) for ring in rings]


def _without_straight_runs(ring: np.ndarray) -> np.ndarray:
    """A ring without the points in the middle of a run along the grid's edge, which add bytes, not shape."""
    if len(ring) < 3:
        return ring
    x, y = ring[:, 0], ring[:, 1]
    middle = ((x[:-2] == x[1:-1]) & (x[1:-1] == x[2:])) | ((y[:-2] == y[1:-1]) & (y[1:-1] == y[2:]))
    return ring[np.concatenate([[True], ~middle, [True]])]


def _margins(P: np.ndarray) -> np.ndarray:
    """Per class, its probability minus the largest other one: positive exactly where the class wins."""
    k = P.shape[-1]
    margins = np.empty_like(P)
    for i in range(k):
        others = np.delete(P, i, axis=-1).max(axis=-1)
        margins[..., i] = P[..., i] - others
    return margins


def _regions(gx: np.ndarray, gy: np.ndarray, P: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The filled regions of one frame: four probability bands for two classes, each class's region otherwise."""
    if P.shape[-1] == 2:
        edges = BAND_EDGES
        return [_joined(_outlines(gx, gy, P[..., 1], lo, hi)) for lo, hi in pairwise(edges)]
    margins = _margins(P)
    return [_joined(_outlines(gx, gy, margins[..., i], 0.0, 2.0)) for i in range(P.shape[-1])]


def _borders(gx: np.ndarray, gy: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the predicted class changes: the 0.5 line for two classes, every region's edge otherwise."""
    if P.shape[-1] == 2:
        return _joined(level_lines(gx, gy, P[..., 1], 0.5))
    margins = _margins(P)
    return _joined([line for i in range(P.shape[-1]) for line in level_lines(gx, gy, margins[..., i], 0.0)])


def _region_styles(k: int) -> list[tuple[str, str]]:
    """(fill colour, name) of each filled region trace."""
    if k == 2:
        colors = [class_color(0), class_color(0), class_color(1), class_color(1)]
        names = ["P ≤ 0.25", "0.25 < P ≤ 0.5", "0.5 < P ≤ 0.75", "P > 0.75"]
        return [(rgba(c, a), n) for c, a, n in zip(colors, BAND_ALPHA, names, strict=True)]
    return [(rgba(class_color(i), 0.25), f"region {i}") for i in range(k)]


def _point_traces(result: RunResult, axes: tuple[int, int]) -> list:
    traces = []
    parts = [("train", result.train, "circle")] + ([("test", result.test, "diamond")] if result.test else [])
    for part_name, part, symbol in parts:
        for i, c in enumerate(result.model.classes_):
            mask = part.y == c
            if mask.any():
                traces.append(
                    dict(
                        type="scatter",
                        x=part.X[mask, axes[0]].astype(np.float32),
                        y=part.X[mask, axes[1]].astype(np.float32),
                        mode="markers",
                        name=f"{part_name}: {plain(c)}",
                        hoverinfo="skip",
                        marker={
                            "color": class_color(i),
                            "symbol": symbol,
                            "size": 7,
                            "line": {"color": "white" if part_name == "train" else "black", "width": 1},
                        },
                    )
                )
    return traces


def _controls(iterations: np.ndarray, below: float, row: float, stacked: bool) -> dict:
    """Play and Pause buttons and a step slider ``below`` (a share of the plot's height) under the lowest chart.

    Side by side, the slider follows the buttons on their row; stacked (a phone), the figure is too narrow for
    both, and the slider takes the whole width one ``row`` lower.
    """
    # Only line and outline traces move, so a frame needs no redraw of the figure (see the module's note).
    play = {"frame": {"duration": FRAME_MS, "redraw": False}, "transition": {"duration": 0}, "fromcurrent": False}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    buttons = [
        {"label": "▶ Play", "method": "animate", "args": [None, play]},
        {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
    ]
    step = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    steps = [{"label": str(int(it)), "method": "animate", "args": [[str(int(it))], step]} for it in iterations]
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -below,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 8},
                "showactive": False,
                "buttons": buttons,
                "font": {"size": 14},
            }
        ],
        "sliders": [
            {
                "active": len(iterations) - 1,
                "x": 0.0 if stacked else 0.2,
                "len": 1.0 if stacked else 0.8,
                "y": -(below + row) if stacked else -below,
                "yanchor": "top",
                "currentvalue": {"prefix": "iteration ", "font": {"size": 13}},
                "pad": {"t": 0},
                "steps": steps,
            }
        ],
    }


def _frame_traces(f: int, iterations: np.ndarray, maps: np.ndarray, curve: np.ndarray, grid_axes: tuple) -> list:
    """What frame ``f`` replaces: the filled regions, the boundary, the loss curve so far and its end marker."""
    it = int(iterations[f])
    # The last frame draws every iteration of the curve; the others only the frame iterations up to theirs.
    upto = np.arange(it + 1) if f == len(iterations) - 1 else iterations[: f + 1]
    moving = [*_regions(*grid_axes, maps[f]), _borders(*grid_axes, maps[f])]
    moving += [(upto.astype(np.float32), curve[upto].astype(np.float32))]
    moving += [(np.array([it], np.float32), np.array([curve[it]], np.float32))]
    return [{"type": "scatter", "x": x, "y": y} for x, y in moving]


def _boundary_traces(last: list[dict], k: int) -> list:
    """The filled regions and the boundary line as they stand in the opening (last) frame."""
    regions = [
        dict(
            type="scatter",
            x=trace["x"],
            y=trace["y"],
            mode="lines",
            fill="toself",
            fillcolor=color,
            line={"width": 0, "color": color},
            name=name,
            hoverinfo="skip",
        )
        for trace, (color, name) in zip(last, _region_styles(k), strict=False)
    ]
    border = last[len(regions)]
    line = dict(
        type="scatter",
        x=border["x"],
        y=border["y"],
        mode="lines",
        line={"color": "black", "width": 2},
        name="boundary",
        hoverinfo="skip",
    )
    return [*regions, line]


def _loss_traces(last: list[dict]) -> list:
    """The loss curve and its end marker, on the second axes, as they stand in the opening frame."""
    return [
        dict(
            type="scatter",
            x=last[-2]["x"],
            y=last[-2]["y"],
            mode="lines",
            xaxis="x2",
            yaxis="y2",
            name="training loss",
            line={"color": class_color(0), "width": 2.5},
            hovertemplate="iteration %{x:.0f}<br>loss %{y:.4f}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=last[-1]["x"],
            y=last[-1]["y"],
            mode="markers",
            xaxis="x2",
            yaxis="y2",
            marker={"size": 10, "color": "black"},
            hoverinfo="skip",
            name="now",
        ),
    ]


def _frame(traces: list[dict], iteration) -> dict:
    """One animation frame, named by its iteration, replacing the moving traces (the first ones)."""
    data = [{key: _typed(v) for key, v in trace.items()} for trace in traces]
    return {"data": data, "traces": list(range(len(data))), "name": str(int(iteration))}


# Side by side (a wide screen), or the boundary above the loss (a phone): (height, axes domains).
ARRANGEMENTS = {
    False: (480, {"x": [0.0, 0.52], "y": [0.0, 1.0], "x2": [0.6, 1.0], "y2": [0.0, 1.0]}),
    True: (840, {"x": [0.0, 1.0], "y": [0.4, 1.0], "x2": [0.0, 1.0], "y2": [0.0, 0.24]}),
}


def _play_layout(
    result: RunResult, grid_axes: tuple, iterations: np.ndarray, axes: tuple[int, int], stacked: bool
) -> dict:
    """Boundary axes and loss axes (side by side, or stacked), the playback controls underneath."""
    gx, gy = grid_axes
    curve = result.loss_curve
    names = [plain(result.train.feature_names[a]) for a in axes]
    top = float(max(curve.max(), curve[0])) * 1.05
    height, domain = ARRANGEMENTS[stacked]
    margin = {"l": 60, "r": 20, "t": 50, "b": 190 if stacked else 140}
    # The controls sit 72 px under the plot area whatever its height: clear of the axis titles (about 50 px
    # down), inside the margin. A row of controls is 50 px.
    plot_px = height - margin["t"] - margin["b"]
    below, row = 72 / plot_px, 50 / plot_px
    look = layout(
        "Watch it learn: the boundary and the loss",
        names[0],
        names[1],
        height=height,
        xaxis={"domain": domain["x"], "range": [float(gx[0]), float(gx[-1])], "showgrid": False, "zeroline": False},
        yaxis={"domain": domain["y"], "range": [float(gy[0]), float(gy[-1])], "showgrid": False, "zeroline": False},
        xaxis2={
            "domain": domain["x2"],
            "anchor": "y2",
            "range": [0, max(1, len(curve) - 1)],
            "title": {"text": "iteration"},
        },
        yaxis2={
            "domain": domain["y2"],
            "anchor": "x2",
            "range": [0, top],
            "title": {"text": "loss"},
            "gridcolor": "#E5E9EF",
        },
        # The points need no legend here (the colours are the classes', as on the boundary chart), which
        # keeps a phone's narrow figure from stacking a legend over its title.
        margin=margin,
        showlegend=False,
        **_controls(iterations, below, row, stacked),
    )
    held = held_note(result, axes)
    if held:
        look["title"]["subtitle"] = {"text": plain(held)}
    return look


def play_figure(
    result: RunResult, frames: int = PLAY_FRAMES, axes: tuple[int, int] = (0, 1), stacked: bool = False
) -> go.Figure:
    """Boundary and loss per iteration at log-spaced iterations, playable in the browser.

    Side by side, or with ``stacked`` the boundary above the loss (for a phone's
    narrow screen). The figure opens on the final frame (the trained model).
    Frames replace the filled probability regions, the boundary line, the loss
    curve so far and its end marker.
    """
    return play_figures(result, frames, axes, arrangements=(stacked,))[stacked]


def play_figures(
    result: RunResult, frames: int = PLAY_FRAMES, axes: tuple[int, int] = (0, 1), arrangements=(False, True)
) -> dict[bool, go.Figure]:
    """:func:`play_figure` in each arrangement (``stacked`` or not), sharing one computation of the frames.

    The page sends both (a phone shows the stacked one), and the frames are nearly all of the work.
    """
    if result.train.n_features < 2:
        raise ValueError("the animated boundary needs at least two inputs")
    curve = result.loss_curve
    iterations = frame_iterations(len(curve) - 1, frames)
    gx, gy, grid = input_grid(result, GRID, axes)
    maps = probability_maps(result, grid_inputs(result, grid, axes), iterations)
    moving = [_frame_traces(f, iterations, maps, curve, (gx, gy)) for f in range(len(iterations))]
    k = len(result.classes)
    data = [*_boundary_traces(moving[-1], k), *_loss_traces(moving[-1]), *_point_traces(result, axes)]
    animation = [_frame(traces, it) for traces, it in zip(moving, iterations, strict=True)]
    return {
        stacked: figure(data, _play_layout(result, (gx, gy), iterations, axes, stacked), frames=animation)
        for stacked in arrangements
    }
