"""The live-demo controls, through AppTest: hints with buttons, the too-big rate, the rate's range, links."""

from __future__ import annotations

import pytest
from apptest_helpers import assert_clean, figures, new_app, texts

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.runs.advice import too_big_rate
from dashboard.settings import SETTINGS


def hint_texts(at) -> list[str]:
    return texts(at.markdown)


def test_circles_at_degree_1_say_a_line_is_not_enough_and_the_button_curves_the_boundary():
    at = new_app({"dataset": "circles", "lr": "1"})
    at.run()
    assert_clean(at)
    assert any("straight line cannot separate" in t for t in hint_texts(at))
    at.button(key="hint_button_0").click().run()
    assert_clean(at)
    assert at.slider(key="degree").value == 2
    assert at.query_params["degree"] == "2"
    assert not any("straight line cannot separate" in t for t in hint_texts(at))


def test_each_hints_button_is_also_beside_the_play_switch_above_the_charts():
    at = new_app({"dataset": "circles", "lr": "1"})
    at.run()
    assert_clean(at)
    quick = at.button(key="hint_now_straight_line")
    assert quick.label == "Raise the feature degree to 2"
    assert "straight line cannot separate" in quick.proto.help
    quick.click().run()
    assert_clean(at)
    assert at.slider(key="degree").value == 2
    assert not [b for b in at.button if b.key and b.key.startswith("hint_now_")]


def test_the_default_page_has_no_hint_beside_the_play_switch():
    at = new_app()
    at.run()
    assert_clean(at)
    assert not [b for b in at.button if b.key and b.key.startswith("hint_now_")]
    assert at.toggle(key="play").value is False


def test_the_too_big_button_uses_the_first_rate_that_makes_the_loss_climb():
    at = new_app()
    at.run()
    at.button(key="too_big").click().run()
    assert_clean(at)
    expected = too_big_rate(load_dataset("moons"), RunConfig())
    assert at.number_input(key="lr").value == expected
    assert at.select_slider(key="lr_scale").value == expected
    assert any(f"Learning rate {expected:g} is the smallest" in t for t in texts(at.caption))
    assert any("went up" in t for t in hint_texts(at))
    loss = figures(at)["Loss per iteration"]["data"][0]["y"]
    assert max(loss[1:]) > loss[0]


def optimum_caption(at) -> str:
    return next(t for t in texts(at.caption) if t.startswith("Dashed line"))


@pytest.mark.parametrize("query", [{"lr": "0.0001"}, {"iters": "10"}])
def test_a_run_far_too_slow_or_short_says_so_and_the_button_trains_longer(query):
    at = new_app(query)
    at.run()
    assert_clean(at)
    assert any("still falling" in t for t in hint_texts(at)), hint_texts(at)
    assert "more iterations or a larger rate get closer" in optimum_caption(at)
    before = figures(at)["Loss per iteration"]["data"][0]["y"][-1]
    at.button(key="hint_button_0").click().run()
    assert_clean(at)
    assert at.number_input(key="iters").value >= 100
    assert figures(at)["Loss per iteration"]["data"][0]["y"][-1] < before


@pytest.mark.parametrize(("dataset", "line"), [("moons", True), ("three blobs", False)])
def test_the_boundary_caption_speaks_of_a_line_only_where_one_is_drawn(dataset, line):
    at = new_app({"dataset": dataset})
    at.run()
    assert_clean(at)
    caption = next(t for t in texts(at.caption) if t.startswith("Colour shows") or t.startswith("Each class has"))
    assert ("black line" in caption) == line, caption
    boundary = figures(at)["Decision boundary"]
    assert any(t.get("mode") == "lines" and t.get("line", {}).get("color") == "black" for t in boundary["data"]) == line


def test_an_overshooting_run_is_not_told_to_raise_the_rate():
    at = new_app({"lr": "50"})
    at.run()
    assert_clean(at)
    assert any("went up" in t for t in hint_texts(at))
    caption = optimum_caption(at)
    assert "smaller rate settles closer" in caption and "larger rate" not in caption, caption


@pytest.mark.parametrize(("typed", "used", "bound"), [(5000.0, 1000.0, "largest"), (-3.0, 1e-4, "smallest")])
def test_a_typed_rate_out_of_range_is_clamped_with_a_visible_message(typed, used, bound):
    at = new_app()
    at.run()
    at.number_input(key="lr").set_value(typed).run()
    assert_clean(at)
    assert at.number_input(key="lr").value == used
    notes = [t for t in texts(at.warning) if "Learning rate" in t]
    assert notes and bound in notes[0] and f"{used:g}" in notes[0]
    at.number_input(key="lr").set_value(0.5).run()
    assert not [t for t in texts(at.warning) if "outside the range" in t]


@pytest.mark.parametrize(
    ("key", "typed", "used", "bound"),
    [
        ("iters", 0, 1, "smallest"),
        ("iters", 100_000, 10_000, "largest"),
        ("n", 9, 10, "smallest"),
        ("l2", 50.0, 10.0, "largest"),
    ],
)
def test_every_number_box_takes_a_value_out_of_range_to_its_bound_with_a_visible_message(key, typed, used, bound):
    """As the learning rate's box: never Streamlit's refusal, a red outline whose reason shows only on hover."""
    at = new_app()
    at.run()
    at.number_input(key=key).set_value(typed).run()
    assert_clean(at)
    assert at.number_input(key=key).value == used == at.session_state[key]
    label = SETTINGS[key].label
    notes = [t for t in texts(at.warning) if t.startswith(f"{label} ")]
    assert len(notes) == 1 and bound in notes[0] and f"{used:g}" in notes[0], texts(at.warning)
    assert at.query_params[key] == str(used)
    valid = SETTINGS[key].default
    at.number_input(key=key).set_value(valid).run()
    assert not [t for t in texts(at.warning) if t.startswith(f"{label} ")]


def test_a_rate_of_100_is_accepted_and_trained():
    at = new_app({"lr": "100"})
    at.run()
    assert_clean(at)
    assert at.number_input(key="lr").value == 100.0
    assert at.query_params["lr"] == "100.0"


def test_every_setting_is_in_the_address_even_at_its_default():
    at = new_app()
    at.run()
    assert_clean(at)
    for key, setting in SETTINGS.items():
        assert key in at.query_params, key
        raw = at.query_params[key]
        expected = ("true" if setting.default else "false") if setting.kind == "bool" else str(setting.default)
        assert raw == expected, key


def test_a_clamped_link_rewrites_the_address():
    at = new_app({"iters": "1000000000000", "degree": "99"})
    at.run()
    assert at.query_params["iters"] == str(SETTINGS["iters"].high)
    assert at.query_params["degree"] == str(SETTINGS["degree"].high)
