"""Reading a Streamlit AppTest page: figures as dicts, texts of alerts, and a fresh app."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from dashboard import chart_code

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CHART_CODE_FIGURE = f"{chart_code.KEY}_figure"
TIMEOUT = 60


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def _decode(value):
    # Plotly 7 ships numpy arrays as {"dtype", "bdata", "shape"}; turn them back into arrays.
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if isinstance(value.get("bdata"), str) and set(value) <= {"bdata", "dtype", "shape"}:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), np.dtype(value["dtype"]).newbyteorder("<"))
            if "shape" in value:
                arr = arr.reshape([int(d) for d in str(value["shape"]).split(",")])
            return arr
        return {k: _decode(v) for k, v in value.items()}
    return value


def shown_charts(at: AppTest) -> list:
    """The page's Plotly chart elements, without the hidden one that loads plotly.js early."""
    return [el for el in at.get("plotly_chart") if el.key != CHART_CODE_FIGURE]


def figures(at: AppTest) -> dict[str, dict]:
    """Every Plotly chart on the page, keyed by its title."""
    out = {}
    for element in shown_charts(at):
        spec = _decode(json.loads(element.proto.spec))
        title = spec["layout"].get("title", {}).get("text", "")
        out[title] = spec
    return out


def figure_bytes(at: AppTest) -> int:
    return sum(len(el.proto.spec) for el in shown_charts(at))


def texts(elements) -> list[str]:
    """Element texts as a reader sees them: the page escapes user text for Markdown with backslashes."""
    return [re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements]


def assert_clean(at: AppTest) -> None:
    """No exception element, and no traceback text anywhere on the page."""
    assert len(at.exception) == 0, [e.value for e in at.exception]
    unexpected = [t for t in texts(at.error) if "Something went wrong" in t]
    assert not unexpected, unexpected
    for kind in (at.error, at.warning, at.markdown, at.caption):
        for text in texts(kind):
            assert "Traceback" not in str(text)


def all_finite(figure: dict) -> bool:
    """True when no trace carries a NaN or an infinity in x, y or z."""
    for trace in figure["data"]:
        for axis in ("x", "y", "z"):
            values = np.asarray(trace.get(axis, []), dtype=object)
            numbers = [v for v in values.ravel() if isinstance(v, float | np.floating)]
            if numbers and not np.all(np.isfinite(np.asarray(numbers, dtype=float))):
                return False
    return True
