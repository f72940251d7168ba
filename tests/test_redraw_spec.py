"""The figure dict the page gets: the same numbers as plotly's own base64, in the form plotly.js redraws for free."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from cedash.plots import style
from cedash.plots.redraw_spec import figure_spec, redraw_spec


def make_figure(shift: float = 0.0, title: str = "t") -> go.Figure:
    """Built as cedash's figure builders build theirs: plain dicts, numpy arrays, an empty template."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(40, 2)).astype(np.float32)
    return style.figure(
        [
            {"type": "heatmap", "x": np.linspace(-1, 1, 7), "y": np.linspace(0, 2, 5), "z": rng.random((5, 7))},
            {"type": "scatter", "x": points[:, 0], "y": points[:, 1], "mode": "markers"},
            {"type": "scatter", "x": np.arange(300, dtype=np.int16), "y": rng.random(300) + shift, "mode": "lines"},
        ],
        style.layout(title, "x", "y"),
    )


@pytest.fixture
def figure() -> go.Figure:
    return make_figure()


def test_the_lists_hold_exactly_the_numbers_the_base64_held(figure):
    spec = figure.to_dict()
    assert isinstance(spec["data"][0]["z"], dict) and "bdata" in spec["data"][0]["z"]  # plotly 7 sends base64
    plain = redraw_spec(spec)
    heatmap, points, line = plain["data"]
    assert np.array_equal(np.asarray(heatmap["z"]), figure.data[0].z)  # 2-D, float64, exact
    assert np.array_equal(np.asarray(points["x"], dtype=np.float32), figure.data[1].x)  # float32, exact
    assert line["x"] == list(range(300)) and all(isinstance(v, int) for v in line["x"])
    # Nothing left in base64: plotly.js would decode it into a new typed array on every copy of the figure.
    assert '"bdata"' not in json.dumps(plain)
    assert np.array_equal(np.asarray(line["y"]), figure.data[2].y) and np.array_equal(heatmap["x"], figure.data[0].x)


def test_the_revision_follows_the_content_and_equal_figures_get_equal_specs(figure):
    spec = redraw_spec(figure.to_dict())
    # Streamlit names a chart after its spec: an unchanged figure must give the same text, rerun after rerun.
    assert json.dumps(redraw_spec(make_figure().to_dict())) == json.dumps(spec)
    for changed in (make_figure(shift=1e-12), make_figure(title="u")):
        assert redraw_spec(changed.to_dict())["layout"]["datarevision"] != spec["layout"]["datarevision"]


def without_revision(spec: dict) -> dict:
    return {**spec, "layout": {k: v for k, v in spec["layout"].items() if k != "datarevision"}}


def test_a_figure_read_from_its_arrays_gives_what_its_base64_gives(figure):
    """What the page gets is figure_spec's; it skips plotly's base64 and must send the very same numbers."""
    figure.add_trace({"type": "scatter", "x": [1.0, np.nan], "text": np.array(["a", "b <i>"], dtype=object)})
    figure.add_trace({"type": "scatter", "y": np.array([0.1, np.nan], dtype=np.float32), "customdata": np.eye(2)})
    direct, decoded = figure_spec(figure), redraw_spec(figure.to_dict())
    assert json.dumps(without_revision(direct)) == json.dumps(without_revision(decoded))
    assert '"bdata"' not in json.dumps(direct) and "template" not in direct["layout"]
    # The revision follows the content the same way: equal figures, equal specs; any change, a new revision.
    assert json.dumps(figure_spec(make_figure())) == json.dumps(figure_spec(make_figure()))
    for changed in (make_figure(shift=1e-12), make_figure(title="u")):
        assert figure_spec(changed)["layout"]["datarevision"] != figure_spec(make_figure())["layout"]["datarevision"]
    # Arrays are told apart by all their bytes, not by their printed form (numpy elides long arrays with "...").
    long_a, long_b = np.zeros(5000), np.zeros(5000)
    long_b[2500] = 1.0
    a, b = (figure_spec(style.figure([{"type": "scatter", "x": x}], {})) for x in (long_a, long_b))
    assert a["layout"]["datarevision"] != b["layout"]["datarevision"]


def test_an_empty_template_is_left_out_and_a_real_one_kept(figure):
    assert "template" not in redraw_spec(figure.to_dict())["layout"]
    # Built from trace objects, plotly's checks turn an empty template into one naming the trace types only.
    checked = go.Figure([go.Scatter(x=[1.0, 2.0])], {"template": {}}).to_dict()
    assert checked["layout"]["template"] == {"data": {"scatter": [{"type": "scatter"}]}}
    assert "template" not in redraw_spec(checked)["layout"]
    red = {"data": {"scatter": [{"type": "scatter", "marker": {"color": "red"}}]}}
    assert redraw_spec({"data": [], "layout": {"template": red}})["layout"]["template"] == red
    styled = go.Figure(figure, layout_template="plotly_white").to_dict()
    assert styled["layout"]["template"]
    assert redraw_spec(styled)["layout"]["template"] == styled["layout"]["template"]


def test_the_input_is_not_changed_and_animated_figures_pass_through(figure):
    spec = figure.to_dict()
    before = json.dumps(spec)
    redraw_spec(spec)
    assert json.dumps(spec) == before
    frames = [{"data": [], "name": "0"}]
    animated = style.figure([{"type": "scatter", "x": np.arange(3.0)}], {}, frames=frames)
    spec = animated.to_dict()
    assert redraw_spec(spec) is spec
    assert json.dumps(figure_spec(animated)) == json.dumps(spec)


def test_float32_values_come_back_exactly_and_print_short():
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [
            rng.random(5000),
            rng.normal(size=5000) * 10.0 ** rng.integers(-12, 12, 5000),
            [0.0, -0.0, 1.0, 0.1, 3e38, 1e-38, 1e-45, 123456789.0],
        ]
    ).astype(np.float32)
    spec = style.figure([{"type": "scatter", "x": values, "y": values}], {}).to_dict()
    sent = redraw_spec(spec)["data"][0]["x"]
    assert np.array_equal(np.asarray(sent, dtype=np.float32), values)
    # Not float64's 17 digits of binary noise: the probability maps would double in size.
    lengths = [len(repr(v)) for v in sent[:5000]]
    assert max(lengths) <= 15 and np.mean(lengths) < 11.5, (max(lengths), np.mean(lengths))
    assert repr(sent[-5]) == "0.100000001"  # float32(0.1) to 9 digits
    nan = style.figure([{"type": "scatter", "x": np.array([1.0, np.nan], dtype=np.float32)}], {}).to_dict()
    assert np.isnan(redraw_spec(nan)["data"][0]["x"][1])  # plotly's JSON writes it as null, a gap


def test_plotly_writes_the_lists_with_orjson():
    """requirements.txt installs orjson so that plotly's automatic choice writes figures with it: the stdlib
    writer took 4.4 ms for the boundary's lists on every change, orjson 0.5-0.7 ms."""
    import plotly.io as pio

    spec = redraw_spec(make_figure().to_dict())
    spec["data"][0]["x"] = [1e-7, *spec["data"][0]["x"][1:]]  # the two writers spell small exponents differently
    text = pio.to_json(spec, validate=False)  # the call Streamlit makes
    assert text == pio.to_json(spec, validate=False, engine="orjson")
    assert text != pio.to_json(spec, validate=False, engine="json")
