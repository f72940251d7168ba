"""The boundary chart of the Data tab, where a click adds a point and a click on a point removes it.

Plotly reports clicks on points only, so a grid of invisible points covers the
plane: a click anywhere selects the nearest grid point, whose position becomes
the new row. Every drawn data point carries its row number in the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cedash.plots.shown_data import input_grid
from cedash.plots.style import class_color, plain
from cedash.plots.training_figures import boundary_figure
from cedash.runs.experiment import RunResult

# Click targets a side: a new point lands within half a cell, about 1/80 of the plot's width, of the cursor.
# Each target is an SVG marker plotly styles one by one (about 0.12 ms each in Chromium on 2 cores): 60 a
# side took the chart 500-850 ms to draw after every click, 40 a side about 250 ms.
CLICK_GRID = 40
GRID_ROW = -1  # the row number the invisible click targets carry


def editable_boundary_figure(result: RunResult, frame: pd.DataFrame, target: str) -> go.Figure:
    """The model's boundary under the table's own rows (complete ones), each tagged with its row number."""
    base = boundary_figure(result, resolution=60)
    background = [t for t in base.data if t.type == "heatmap" or t.name == "P = 0.5"]
    features = [c for c in frame.columns if c != target]
    X = frame[features[:2]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    complete = np.isfinite(X).all(axis=1) & frame[target].notna().to_numpy()
    traces = list(background)
    gx, gy, grid = input_grid(result, CLICK_GRID)
    traces.append(
        go.Scatter(
            x=grid[:, 0].astype(np.float32),
            y=grid[:, 1].astype(np.float32),
            mode="markers",
            marker={"size": 10, "color": "rgba(0,0,0,0)"},
            customdata=np.full(len(grid), GRID_ROW),
            hovertemplate="click to add a point here<extra></extra>",
            name="click targets",
            showlegend=False,
        )
    )
    labels = frame[target].to_numpy()
    for i, c in enumerate(result.model.classes_):
        rows = np.flatnonzero(complete & (labels.astype(str) == str(c)))
        if len(rows):
            traces.append(
                go.Scatter(
                    x=X[rows, 0].astype(np.float32),
                    y=X[rows, 1].astype(np.float32),
                    mode="markers",
                    name=plain(c),
                    customdata=rows,
                    marker={"color": class_color(i), "size": 9, "line": {"color": "white", "width": 1}},
                    hovertemplate=f"row %{{customdata}}: {plain(c)}<br>click to remove<extra></extra>",
                )
            )
    look = base.layout.to_plotly_json()
    look["title"]["text"] = "Click to add a point, click a point to remove it"
    look["height"] = 430
    look["clickmode"] = "event+select"
    # What Streamlit's chart sets for a points selection when the figure does not: stated here, the
    # page draws the chart once instead of twice (cedash/plots/redraw_spec.py).
    look["dragmode"] = "pan"
    look["hovermode"] = "closest"
    look["xaxis"]["range"] = [float(gx[0]), float(gx[-1])]
    look["yaxis"]["range"] = [float(gy[0]), float(gy[-1])]
    return go.Figure(traces, look)


def clicked_point(points: list[dict]) -> tuple[int, float, float] | None:
    """From a chart selection: (row number or ``GRID_ROW``, x, y) of the first point clicked, or None."""
    if not points:
        return None
    point = points[0]
    row = point.get("customdata")
    if isinstance(row, list | tuple):
        row = row[0]
    if row is None:
        return None
    return int(row), float(point["x"]), float(point["y"])
