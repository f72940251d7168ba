"""A figure's dict in the form plotly.js can redraw for free when nothing in it changed.

Streamlit's chart element hands each new figure to ``Plotly.react`` twice: once when the chart
appears, and again right after, with a deep copy of the same figure (its theme step copies the
figure even when no theme is applied). ``Plotly.react`` decides what to redo by comparing the two:

- arrays plotly.js decoded from base64 are new typed arrays on every copy, and count as new data;
- plain arrays count as unchanged when ``layout.datarevision`` is set and equal;
- a ``layout.template`` comes back from the copy as a different value, which counts as a new
  template and so as a full recomputation; cedash's charts carry none that styles anything;
- a width that differs from the first call's redraws everything too: plotly sizes the chart from its
  computed width, rounded to 3 decimals, and Streamlit then passes the measured one, to 1/64 px. The
  page's CSS gives charts whole-pixel widths (``dashboard/state.py``, ``PAGE_CSS``).

Any of these made the second call draw the whole chart again: on the default page about 80 ms for
the decision boundary and 45 ms for the loss, on every change, and 250-460 ms for the Data tab's
chart. With plain lists, a datarevision, no template and whole pixels, the second call takes under
10 ms (``python benchmarks/bench_app.py`` measures the whole change).

``figure_spec`` reads a figure's numpy arrays straight into these lists, without plotly's base64
and back: 2.5 ms instead of 6.9 ms for the default boundary, on every change of every session.

The lists carry the same numbers the base64 held: float64 arrays exactly, float32 arrays (the
probability maps and the points) to the 9 significant digits that give back every float32 exactly,
written short. The boundary's spec grows from 41 kB to 69 kB per change, far below the 500 kB
a change may send.
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np

# Significant digits that tell every float32 apart (FLT_DECIMAL_DIG).
FLOAT32_DIGITS = 9


def _short_float32(a: np.ndarray) -> np.ndarray:
    """float32 values as the float64 nearest to their 9-significant-digit decimal, whose repr is that short decimal.

    ``astype(float64)`` would print each one with 17 digits of binary noise (0.30000001192092896), and
    formatting each value as text costs 15 times more than this. Each result is an integer divided by (or
    times) an exact power of ten, so the result is the double nearest that decimal and prints as it.
    """
    wide = a.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.abs(wide)))
    shift = FLOAT32_DIGITS - 1 - np.where(np.isfinite(exponent), exponent, 0)
    # Powers of ten are exact up to 1e22: values from about 1e-14 to 1e30 print short; the rest still round-trip.
    power = 10.0 ** np.abs(shift)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(shift >= 0, np.round(wide * power) / power, np.round(wide / power) * power)


def _decoded(value: dict):
    """Plotly's ``{"dtype", "bdata", "shape"}`` as a nested list of the same numbers."""
    data = np.frombuffer(base64.b64decode(value["bdata"]), np.dtype(value["dtype"]).newbyteorder("<"))
    if "shape" in value:
        data = data.reshape([int(n) for n in str(value["shape"]).split(",")])
    if data.dtype == np.float32:
        data = _short_float32(data)
    return data.tolist()


def _is_typed(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("bdata"), str) and set(value) <= {"bdata", "dtype", "shape"}


def _plain(value):
    if _is_typed(value):
        return _decoded(value)
    if isinstance(value, np.ndarray):
        return (_short_float32(value) if value.dtype == np.float32 else value).tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _digest(value, h) -> None:
    """Feed ``value`` to the hash ``h``: arrays by their bytes, whatever their size (their text form elides)."""
    if isinstance(value, np.ndarray):
        h.update(f"<{value.dtype.str}{value.shape}>".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        h.update(b"{")
        for key in sorted(value, key=str):
            h.update(repr(key).encode())
            _digest(value[key], h)
        h.update(b"}")
    elif isinstance(value, list | tuple):
        h.update(b"[")
        for item in value:
            _digest(item, h)
        h.update(b"]")
    else:
        h.update(repr(value).encode())


def _styles_nothing(template) -> bool:
    """An empty template, or the form plotly's checks give it on a figure built from trace objects:
    ``{"data": {"scatter": [{"type": "scatter"}]}}``, one entry per trace type naming only its type."""
    if not isinstance(template, dict) or set(template) - {"data"}:
        return False
    kinds = template.get("data") or {}
    return isinstance(kinds, dict) and all(
        isinstance(entries, list) and all(isinstance(e, dict) and set(e) <= {"type"} for e in entries)
        for entries in kinds.values()
    )


def redraw_spec(spec: dict) -> dict:
    """``spec`` (a figure's dict, its arrays numpy or plotly's base64) with plain arrays, a datarevision from its
    content, and no empty template.

    Figures with animation frames are left as they are: their frames would grow several-fold as lists,
    and it is Play's frames, not the second call, that its drawing time goes to.
    """
    if spec.get("frames"):
        return spec
    # The revision is a digest of the figure as it came: equal figures get equal revisions, so Streamlit still
    # sees the same chart from one rerun to the next.
    digest = hashlib.blake2b(digest_size=8)
    _digest(spec, digest)
    revision = digest.hexdigest()
    plain = {key: _plain(value) for key, value in spec.items()}
    layout = dict(plain.get("layout") or {})
    if "template" in layout and _styles_nothing(layout["template"]):
        del layout["template"]
    layout["datarevision"] = revision
    plain["layout"] = layout
    return plain


def figure_spec(fig) -> dict:
    """``redraw_spec`` of a figure, read from its own arrays: what ``st.plotly_chart`` is given for it.

    Plotly's ``to_dict`` writes every array as base64, which ``redraw_spec`` would only decode again.
    """
    if fig.frames:
        return fig.to_dict()
    return redraw_spec({"data": [trace.to_plotly_json() for trace in fig.data], "layout": fig.layout.to_plotly_json()})
