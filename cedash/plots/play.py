"""The "watch it learn" figure: the boundary and the loss curve side by side, animated in the browser.

Every frame is computed here, so the page plays the run without asking the
server for anything: the boundary moves and the loss curve grows together, at
the frame rate of the browser. Most of a run's change happens in its first
iterations, so the frames sit on a log scale of iterations. The figure opens on
its last frame, which is the trained model itself.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

from cedash.plots.contour import level_lines
from cedash.plots.shown_data import grid_inputs, held_note, input_grid
from cedash.plots.style import class_color, layout, plain, rgba
from cedash.runs.experiment import RunResult

PLAY_FRAMES = 60
FRAME_MS = 100  # 10 frames a second: a whole run plays in about six seconds
GRID = 48  # cells a side for the animated probability map: enough to see the boundary move


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


def _probability_maps(result: RunResult, inputs: np.ndarray, iterations: np.ndarray) -> np.ndarray:
    """One map per frame, as bytes 0..255: P(second class) for two classes, class index + P(top) otherwise."""
    model = result.model
    mapped = result.feature_map.transform(inputs)
    k = len(model.classes_)
    maps = []
    for it in iterations:
        proba = model.predict_proba(mapped, iteration=int(it))
        if k == 2:
            value = proba[:, 1]
        else:
            top = proba.argmax(axis=1)
            # Each class owns a band of the colour scale; within it, the shade says how sure the model is.
            value = (top + (proba.max(axis=1) - 1.0 / k) / (1 - 1.0 / k)) / k
        maps.append(np.clip(np.round(value * 255), 0, 255).astype(np.uint8).reshape(GRID, GRID))
    return np.stack(maps)


def _colorscale(k: int) -> list:
    if k == 2:
        c0, c1 = class_color(0), class_color(1)
        return [[0, rgba(c0, 0.55)], [0.5, "rgba(255,255,255,0.2)"], [1, rgba(c1, 0.55)]]
    scale = []
    for i in range(k):
        lo, hi = i / k, (i + 1) / k
        scale += [[lo, rgba(class_color(i), 0.06)], [hi - 1e-6 if i < k - 1 else hi, rgba(class_color(i), 0.6)]]
    return scale


def _boundary_xy(gx: np.ndarray, gy: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 0.5 line(s) as one trace's x and y, pieces separated by NaN."""
    pieces = level_lines(gx, gy, P.astype(np.float64) / 255.0, 0.5)
    if not pieces:
        return np.array([np.nan], np.float32), np.array([np.nan], np.float32)
    gap = np.full((1, 2), np.nan)
    joined = np.concatenate([p for line in pieces for p in (line, gap)][:-1])
    return joined[:, 0].astype(np.float32), joined[:, 1].astype(np.float32)


def _point_traces(result: RunResult, axes: tuple[int, int]) -> list:
    traces = []
    parts = [("train", result.train, "circle")] + ([("test", result.test, "diamond")] if result.test else [])
    for part_name, part, symbol in parts:
        for i, c in enumerate(result.model.classes_):
            mask = part.y == c
            if mask.any():
                traces.append(
                    go.Scatter(
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


def _controls(iterations: np.ndarray) -> dict:
    """Play and Pause buttons and a step slider under the charts."""
    play = {"frame": {"duration": FRAME_MS, "redraw": True}, "transition": {"duration": 0}, "fromcurrent": False}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    buttons = [
        {"label": "▶ Play", "method": "animate", "args": [None, play]},
        {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
    ]
    steps = [
        {
            "label": str(int(it)),
            "method": "animate",
            "args": [[str(int(it))], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate"}],
        }
        for it in iterations
    ]
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.2,
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
                "x": 0.2,
                "len": 0.8,
                "y": -0.2,
                "yanchor": "top",
                "currentvalue": {"prefix": "iteration ", "font": {"size": 13}},
                "pad": {"t": 0},
                "steps": steps,
            }
        ],
    }


def _frame_traces(
    f: int, iterations: np.ndarray, maps: np.ndarray, curve: np.ndarray, grid_axes: tuple, k: int
) -> list[dict]:
    """What frame ``f`` replaces: the probability map, the 0.5 line, the loss curve so far and its end marker."""
    it = int(iterations[f])
    bx, by = _boundary_xy(*grid_axes, maps[f]) if k == 2 else (np.array([np.nan]), np.array([np.nan]))
    # The last frame draws every iteration of the curve; the others only the frame iterations up to theirs.
    upto = np.arange(it + 1) if f == len(iterations) - 1 else iterations[: f + 1]
    return [
        {"type": "heatmap", "z": maps[f]},
        {"type": "scatter", "x": bx, "y": by},
        {"type": "scatter", "x": upto.astype(np.float32), "y": curve[upto].astype(np.float32)},
        {"type": "scatter", "x": np.array([it], np.float32), "y": np.array([curve[it]], np.float32)},
    ]


def _boundary_traces(last: list[dict], gx: np.ndarray, gy: np.ndarray, k: int) -> list:
    """The probability map and the 0.5 line as they stand in the opening (last) frame."""
    return [
        go.Heatmap(
            x=gx.astype(np.float32),
            y=gy.astype(np.float32),
            z=last[0]["z"],
            zmin=0,
            zmax=255,
            zsmooth="fast",
            colorscale=_colorscale(k),
            showscale=False,
            hoverinfo="skip",
            name="probability",
        ),
        go.Scatter(
            x=last[1]["x"],
            y=last[1]["y"],
            mode="lines",
            line={"color": "black", "width": 2},
            name="P = 0.5",
            hoverinfo="skip",
            showlegend=False,
        ),
    ]


def _loss_traces(last: list[dict]) -> list:
    """The loss curve and its end marker, on the right-hand axes, as they stand in the opening frame."""
    return [
        go.Scatter(
            x=last[2]["x"],
            y=last[2]["y"],
            mode="lines",
            xaxis="x2",
            yaxis="y2",
            name="training loss",
            line={"color": class_color(0), "width": 2.5},
            showlegend=False,
            hovertemplate="iteration %{x:.0f}<br>loss %{y:.4f}<extra></extra>",
        ),
        go.Scatter(
            x=last[3]["x"],
            y=last[3]["y"],
            mode="markers",
            xaxis="x2",
            yaxis="y2",
            showlegend=False,
            marker={"size": 10, "color": "black"},
            hoverinfo="skip",
            name="now",
        ),
    ]


def _frame(traces: list[dict], iteration) -> dict:
    """One animation frame, named by its iteration, replacing the four moving traces."""
    data = [{key: _typed(v) for key, v in trace.items()} for trace in traces]
    return {"data": data, "traces": [0, 1, 2, 3], "name": str(int(iteration))}


def _play_layout(
    result: RunResult, gx: np.ndarray, gy: np.ndarray, iterations: np.ndarray, axes: tuple[int, int]
) -> dict:
    """Boundary axes on the left, loss axes on the right, the playback controls underneath."""
    curve = result.loss_curve
    names = [plain(result.train.feature_names[a]) for a in axes]
    top = float(max(curve.max(), curve[0])) * 1.05
    look = layout(
        "Watch it learn: the boundary and the loss",
        names[0],
        names[1],
        height=470,
        xaxis={"domain": [0.0, 0.52], "range": [float(gx[0]), float(gx[-1])], "showgrid": False, "zeroline": False},
        yaxis={"range": [float(gy[0]), float(gy[-1])], "showgrid": False, "zeroline": False},
        xaxis2={
            "domain": [0.6, 1.0],
            "anchor": "y2",
            "range": [0, max(1, len(curve) - 1)],
            "title": {"text": "iteration"},
        },
        yaxis2={"anchor": "x2", "range": [0, top], "title": {"text": "loss"}, "gridcolor": "#E5E9EF"},
        # Room underneath for the axis titles, then the Play buttons and the slider; the points need no
        # legend here (the colours are the classes', as on the boundary chart), which keeps a phone's narrow
        # figure from stacking a legend over its title.
        margin={"l": 60, "r": 20, "t": 50, "b": 130},
        showlegend=False,
        **_controls(iterations),
    )
    held = held_note(result, axes)
    if held:
        look["title"]["subtitle"] = {"text": plain(held)}
    return look


def play_figure(result: RunResult, frames: int = PLAY_FRAMES, axes: tuple[int, int] = (0, 1)) -> go.Figure:
    """Boundary (left) and loss per iteration (right) at log-spaced iterations, playable in the browser.

    The figure opens on the final frame (the trained model). Frames replace the
    probability map, the 0.5 line, the loss curve so far and its end marker.
    """
    if result.train.n_features < 2:
        raise ValueError("the animated boundary needs at least two inputs")
    curve = result.loss_curve
    iterations = frame_iterations(len(curve) - 1, frames)
    gx, gy, grid = input_grid(result, GRID, axes)
    maps = _probability_maps(result, grid_inputs(result, grid, axes), iterations)
    k = len(result.classes)
    moving = [_frame_traces(f, iterations, maps, curve, (gx, gy), k) for f in range(len(iterations))]
    data = [*_boundary_traces(moving[-1], gx, gy, k), *_loss_traces(moving[-1]), *_point_traces(result, axes)]
    animation = [_frame(traces, it) for traces, it in zip(moving, iterations, strict=True)]
    return go.Figure(data=data, layout=_play_layout(result, gx, gy, iterations, axes), frames=animation)
