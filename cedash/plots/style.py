"""The look every cedash chart shares: colours, fonts, the layout, and a few axis helpers.

Plain dicts and strings only, so each figure builder states its whole layout
when it creates the figure.
"""

from __future__ import annotations

import plotly.graph_objects as go

# Okabe-Ito: distinguishable with the common forms of colour blindness.
CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
# Runs are drawn as lines, and a thin yellow line is the hardest to see on white: it comes last.
RUN_COLORS = CLASS_COLORS[:6] + CLASS_COLORS[7:] + CLASS_COLORS[6:7]
TRAIN_COLOR, TEST_COLOR = CLASS_COLORS[0], CLASS_COLORS[1]

# The page's own font first, so charts read like the text around them.
FONT = '"Source Sans", "Source Sans Pro", sans-serif'
# Plain colours instead of a named template: templates are validated and copied on every figure, which
# costs time per chart and kilobytes per page. The dashboard also skips Streamlit's chart theme,
# so a figure sets everything it relies on.
AXIS = {"gridcolor": "#E5E9EF", "zerolinecolor": "#C9D1DB", "linecolor": "#C9D1DB"}


def plain(text) -> str:
    """User text for Plotly, which reads a few HTML tags (links among them) in titles and names: escape them."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def class_color(i: int) -> str:
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def run_color(n: int) -> str:
    return RUN_COLORS[n % len(RUN_COLORS)]


def rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def layout(title: str, x: str, y: str, height: int = 380, *, xaxis=None, yaxis=None, **extra) -> dict:
    """The layout every cedash chart shares, as a plain dict; ``xaxis``, ``yaxis`` and ``extra`` add to it.

    Builders pass it to ``go.Figure(data, layout)`` in one go: plotly validates a
    whole layout given at construction several times faster than the same
    settings applied by ``update_layout`` and ``update_xaxes`` calls, and the
    charts that are redrawn on every change pay that on every rerun.
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
        # No template: plotly's default one would be sent with every chart and would turn automatic margins
        # back on, and the page would apply it in every drawing (about a tenth of drawing the boundary).
        "template": {},
        **extra,
    }


def figure(traces: list[dict], look: dict, frames: list[dict] | None = None) -> go.Figure:
    """A figure from plain trace dicts and a layout dict, taken as they are.

    Plotly checks every property of a figure built through its classes (``go.Scatter(...)``, ``go.Figure``),
    and for the charts redrawn on every change that check was most of the server's work on them: nine tenths
    of building the decision boundary. The builders' dicts are checked by the tests instead
    (``tests/test_figures.py`` validates each one and compares), not on every rerun.
    """
    return go.Figure(data=traces, layout=look, frames=frames, _validate=False)


def apply_layout(fig: go.Figure, title: str, x: str, y: str, height: int = 380) -> go.Figure:
    """:func:`layout` merged into a figure built trace by trace (the views that are not redrawn on every change).

    Assigned as a whole rather than through ``update_layout``, which costs several times more.
    """
    merged = fig.layout.to_plotly_json()
    for key, value in layout(title, x, y, height).items():
        old = merged.get(key)
        merged[key] = {**old, **value} if isinstance(old, dict) and isinstance(value, dict) else value
    merged["template"] = {}
    fig.layout = merged
    return fig


def marker_line(value: float, axis: str, text: str, color: str) -> tuple[dict, dict]:
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
    # At the right end for a level (a loss curve starts high on the left and crosses it there), on a white
    # ground so that a curve passing behind it leaves the text readable.
    label = {
        "text": text,
        "showarrow": False,
        "x": value if axis == "x" else 1,
        "y": value if axis == "y" else 1,
        "xref": shape["xref"],
        "yref": shape["yref"],
        "xanchor": "left" if axis == "x" else "right",
        "yanchor": "bottom" if axis == "y" else "top",
        "bgcolor": "rgba(255, 255, 255, 0.85)",
    }
    return shape, label
