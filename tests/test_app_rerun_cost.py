"""What a rerun costs the server: figures built once and kept, built without plotly's checks, and small.

The charts redrawn on every change are built from plain dicts (``cedash.plots.style.figure``), which plotly
takes without checking each property; these tests do that check instead, so a misspelt property fails here.
The AppTest ones count how often the page builds a boundary: a change of an unrelated setting must not build
one again, and a change of the learning rate must (which shows the count sees builds at all).
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from apptest_helpers import assert_clean, figures, new_app, shown_charts

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.plots import insight_figures, play, training_figures
from cedash.runs.experiment import run
from dashboard import chart_code


@pytest.fixture(scope="module")
def runs():
    binary = run(load_dataset("moons", n_samples=120, seed=1), RunConfig(degree=3, learning_rate=1.0, max_iter=300))
    three = run(load_dataset("three blobs", n_samples=150, noise=0.4), RunConfig(max_iter=200, learning_rate=0.5))
    diverged = run(
        load_dataset("article example"),
        RunConfig(learning_rate=10, standardize=False, degree=4, test_size=0, max_iter=500),
    )
    many = run(load_dataset("two blobs", n_samples=2600, seed=3), RunConfig(max_iter=30))
    return {"binary": binary, "three": three, "diverged": diverged, "many": many}


def dict_built_figures(runs) -> dict[str, go.Figure]:
    b, t, d, m = runs["binary"], runs["three"], runs["diverged"], runs["many"]
    curves = {"a": b.loss_curve, "b <i>": d.loss_curve}
    return {
        "boundary": training_figures.boundary_figure(b, resolution=30),
        "boundary by loss at 0": training_figures.boundary_figure(b, iteration=0, resolution=20, size_by_loss=True),
        "boundary, three classes": training_figures.boundary_figure(t, resolution=20),
        "boundary, webgl points": training_figures.boundary_figure(m, resolution=20),
        "loss, log, optimum, marker": training_figures.loss_figure(b, log_y=True, marker_iteration=5, optimum=0.1),
        "loss, diverged": training_figures.loss_figure(d),
        "accuracy": training_figures.accuracy_figure(b),
        "play": play.play_figure(b, frames=12),
        "play, stacked, three classes": play.play_figure(t, frames=8, stacked=True),
        "runs compared": insight_figures.compare_loss_figure(curves, diverged={"b <i>": d.diverged_at}),
        "gap": insight_figures.gap_figure(curves, 0.05),
    }


def test_dict_built_figures_are_what_plotly_would_validate(runs):
    for name, fig in dict_built_figures(runs).items():
        spec = fig.to_plotly_json()
        validated = go.Figure(spec)  # raises on any property plotly does not know or any value it refuses
        sent = json.loads(pio.to_json(fig, validate=False))
        checked = json.loads(pio.to_json(validated, validate=False))
        # Checking turns the empty template into one empty entry per trace type: the same look, no styling.
        assert sent["layout"].pop("template") == {}, name
        template = checked["layout"].pop("template")
        assert "layout" not in template, name
        assert all(entry == [{"type": kind}] for kind, entry in template["data"].items()), name
        assert sent == checked, name
        assert sent["data"], name


def test_diverged_run_is_drawn_as_diverged(runs):
    d = runs["diverged"]
    assert d.diverged_at is not None
    fig = insight_figures.compare_loss_figure({"d": d.loss_curve}, diverged={"d": d.diverged_at})
    assert [t.mode for t in fig.data] == ["lines", "markers"]
    np.testing.assert_array_equal(fig.data[0].y, d.loss_curve)


class BoundaryBuilds:
    """Counts the page's calls to ``training_figures.boundary_figure`` (the Training and Compare tabs use it)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        original = training_figures.boundary_figure

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(training_figures, "boundary_figure", counted)


def test_a_setting_the_boundary_does_not_show_does_not_rebuild_it(monkeypatch):
    builds = BoundaryBuilds(monkeypatch)
    at = new_app({"lr": "0.0123"})  # a rate no other test trains, so the first page builds its boundary
    at.run()
    assert_clean(at)
    assert builds.calls == 1
    before = figures(at)["Decision boundary"]
    at.toggle(key="logy").set_value(True).run()
    at.session_state["accuracy"] = True
    at.run()
    assert_clean(at)
    assert builds.calls == 1
    assert json.dumps(figures(at)["Decision boundary"], default=str) == json.dumps(before, default=str)
    at.number_input(key="lr").set_value(0.0234).run()
    assert_clean(at)
    assert builds.calls == 2


def test_pinned_runs_boundaries_are_built_once(monkeypatch):
    builds = BoundaryBuilds(monkeypatch)
    at = new_app({"lr": "0.0345", "view": "Compare"})
    at.run()
    at.button(key="pin").click().run()
    at.number_input(key="lr").set_value(0.0456).run()
    at.button(key="pin").click().run()
    assert_clean(at)
    shown = [t for t in figures(at) if t.startswith("moons")]
    assert len(shown) == 2
    settled = builds.calls
    at.run()
    at.selectbox(key="optimizer").set_value("momentum").run()  # a new "now" run: its boundary alone is built
    assert_clean(at)
    assert builds.calls == settled + 1
    assert len([t for t in figures(at) if t.startswith(("moons", "now"))]) == 3
    # Unpinned runs' figures are let go with them.
    first = next(iter(at.session_state["pinned"]))
    at.button(key=f"unpin_{first}").click().run()
    kept = at.session_state["compare_figures"]
    assert len(kept) == 2, [(k[1], len(at.session_state["pinned"])) for k in kept]


def test_default_page_figures_stay_small():
    at = new_app()
    at.run()
    sizes = {
        el.proto.spec and json.loads(el.proto.spec)["layout"]["title"]["text"]: len(el.proto.spec)
        for el in shown_charts(at)
    }
    # Every change sends both again: 44 kB and 17 kB in base64 when these limits were set; 69 kB and 18 kB
    # since arrays go as lists (cedash/plots/redraw_spec.py), which the page redraws once instead of twice.
    assert sizes["Decision boundary"] <= 75_000, sizes
    assert sizes["Loss per iteration"] <= 25_000, sizes


def test_play_computes_its_frames_once_for_both_arrangements(monkeypatch):
    computed = []
    original = play.probability_maps

    def counted(*args, **kwargs):
        computed.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(play, "probability_maps", counted)
    at = new_app({"lr": "0.0567", "play": "true"})
    at.run()
    assert_clean(at)
    charts = [json.loads(el.proto.spec) for el in shown_charts(at)]
    assert len(charts) == 2 and all(len(c["frames"]) > 50 for c in charts)
    assert {c["layout"]["height"] for c in charts} == {play.ARRANGEMENTS[False][0], play.ARRANGEMENTS[True][0]}
    assert len(computed) == 1
    at.toggle(key="logy").set_value(True).run()  # Play's figures do not depend on it: nothing is computed again
    assert len(computed) == 1


def test_a_figure_is_turned_into_a_dict_once(runs):
    from cedash.plots.redraw_spec import figure_spec
    from dashboard.state import spec_once

    fig = training_figures.boundary_figure(runs["binary"], resolution=20)
    expected = figure_spec(fig)
    first = spec_once(fig).to_dict()
    fig.layout.title.text = "changed"  # the contract: a shown figure does not change; if it does, it is not re-read
    assert spec_once(fig).to_dict() is first
    # In the form the page redraws cheaply (tests/test_redraw_spec.py), with the same content.
    assert json.dumps(first) == json.dumps(expected)


def test_the_hidden_chart_that_loads_plotly_comes_first_and_stays_the_same():
    at = new_app()
    at.run()
    first = at.main.children[0]
    assert first.key == chart_code.KEY
    hidden = [el for el in at.get("plotly_chart") if el.key not in {c.key for c in shown_charts(at)}]
    assert len(hidden) == 1
    before = hidden[0].proto.SerializeToString()
    at.number_input(key="lr").set_value(0.5).run()
    again = [el for el in at.get("plotly_chart") if el.key == hidden[0].key]
    # The same element on every rerun, so the page keeps the chart it drew instead of drawing it again.
    assert at.main.children[0].key == chart_code.KEY
    assert len(again) == 1 and again[0].proto.SerializeToString() == before
