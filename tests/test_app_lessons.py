"""Lessons mode through AppTest: the way in, Next and Back through every step, each step's settings in the
widgets and the address, the asked change made with the widgets, and the step's reply computed from the run."""

from __future__ import annotations

import pytest
from apptest_helpers import assert_clean, figures, new_app, texts
from test_lessons import people_csv

from cedash.lessons.guide import builtin_data, load_steps, render, reply_for, run_config
from cedash.lessons.numbers import RunNumbers
from cedash.runs.experiment import run
from dashboard.lessons_panel import step_settings
from dashboard.settings import url_text
from dashboard.state import SOURCE_IN_ADDRESS

STEPS = load_steps()
# The widget each setting is changed with, as a user would.
WIDGET = {
    "n": "number_input", "noise": "number_input", "seed": "number_input", "lr": "number_input",
    "iters": "number_input", "batch": "number_input", "l2": "number_input", "degree": "slider", "test": "slider",
    "dataset": "selectbox", "optimizer": "selectbox", "intercept": "toggle", "standardize": "toggle",
}  # fmt: skip
# A chart each tab draws, to see that the step opened it.
VIEW_CHART = {"Training": "Loss per iteration", "Points": "What each point costs: −log p",
              "Optimisers": "Optimiser race: loss per iteration"}  # fmt: skip


def numbers(step, change=None) -> RunNumbers:
    settings = step_settings(step, change)
    return RunNumbers(run(builtin_data(settings), run_config(settings)), settings)


def progress_text(at) -> str:
    bars = [p.proto.text for p in at.get("progress") if "of" in p.proto.text]
    assert bars, "no lesson progress bar on the page"
    return bars[0]


def assert_step_on_screen(at, step) -> None:
    """The step's place, its settings in the session and the address, its tab open and its text with live numbers."""
    assert_clean(at)
    assert progress_text(at).startswith(f"**Step {step.number} of {len(STEPS)}**")
    assert at.query_params["lesson"] == str(step.number)
    settings = step_settings(step)
    for key, value in settings.items():
        assert at.session_state[key] == value, key
        # The Training tab's switches are drawn, and so written to the address, only while it is open.
        if key not in ("view", "source", "play", "logy") or key in at.query_params:
            expected = SOURCE_IN_ADDRESS[value] if key == "source" else url_text(value)
            assert at.query_params[key] == expected, key
    if settings["source"] == "Built-in data set":
        assert VIEW_CHART[settings["view"]] in figures(at)
    start = numbers(step)
    assert render(step.text, start, start) in texts(at.markdown)
    task = next(t for t in texts(at.markdown) if step.task in t)
    # A task in the sidebar says where a folded sidebar (presenter view, a phone) opens.
    assert ("folded sidebar opens" in task) == ("sidebar" in step.task), task


def do(at, change: dict) -> None:
    """Make a change with the sidebar's widgets, all in one rerun."""
    for key, value in change.items():
        getattr(at, WIDGET[key])(key=key).set_value(value)
    at.run()


def replies_shown(at) -> list[str]:
    return texts(at.success) + texts(at.info)


@pytest.mark.slow
def test_the_first_screen_opens_the_lessons_and_next_and_back_walk_every_step():
    at = new_app()
    at.run()
    assert "lesson" not in at.query_params
    at.button(key="lessons_open").click().run()
    assert_step_on_screen(at, STEPS[0])
    for step in STEPS[1:]:
        at.button(key="lesson_next").click().run()
        assert_step_on_screen(at, step)
    assert not at.button(key="lesson_back").disabled
    assert "lesson_next" not in [b.key for b in at.button]
    for step in reversed(STEPS[:-1]):
        at.button(key="lesson_back").click().run()
        assert_step_on_screen(at, step)
    assert at.button(key="lesson_back").disabled


@pytest.mark.parametrize(
    ("step", "index"),
    [(s, i) for s in STEPS for i, r in enumerate(s.replies) if r.example],
    ids=lambda v: f"step{v.number}" if hasattr(v, "number") else f"reply{v + 1}",
)
def test_doing_what_a_step_asks_shows_what_the_run_shows(step, index):
    at = new_app({"lesson": str(step.number)})
    at.run()
    assert_step_on_screen(at, step)
    assert not [t for t in texts(at.success) if t]  # nothing is claimed before the user acts
    reply = step.replies[index]
    settings = step_settings(step, reply.example)
    change = {key: settings[key] for key in reply.example}
    do(at, change)
    assert_clean(at)
    start, now = numbers(step), numbers(step, reply.example)
    expected = reply_for(step, now, start)
    assert expected is not None and expected[0] is reply
    shown = texts(at.success) if reply.done else texts(at.info)
    assert expected[1] in shown, (expected[1], replies_shown(at))
    # The user wandered off the step's settings; the address says so, and still names the step.
    assert at.query_params["lesson"] == str(step.number)
    for key, value in change.items():
        assert at.query_params[key] == url_text(value)


def test_show_me_makes_the_change_and_start_again_puts_the_step_back():
    step = STEPS[3]
    at = new_app({"lesson": "4"})
    at.run()
    at.button(key="lesson_show_me").click().run()
    assert_clean(at)
    assert at.slider(key="degree").value == 2
    assert any("x1·x2" in t for t in texts(at.success))
    at.button(key="lesson_again").click().run()
    assert_step_on_screen(at, step)


def test_a_copied_link_without_a_tab_reopens_the_first_tab_and_a_bare_step_link_its_own():
    # Step 1 opens the Points tab. On the first tab, Training, the page leaves "view" out of its address.
    step = STEPS[0]
    assert step_settings(step)["view"] == "Points"
    at = new_app({"lesson": "1"})
    at.run()
    assert "What each point costs: −log p" in figures(at)
    at.session_state["view"] = "Training"
    at.run()
    copied = {key: value for key, value in at.query_params.items() if key != "view"}
    assert copied["lesson"] == "1" and "dataset" in copied
    again = new_app(copied)
    again.run()
    assert_clean(again)
    assert again.session_state["view"] == "Training"
    assert "Loss per iteration" in figures(again) and "What each point costs: −log p" not in figures(again)
    bare = new_app({"lesson": "1"})
    bare.run()
    assert bare.session_state["view"] == "Points"


def test_a_link_with_every_setting_reopens_the_step_as_it_was_left():
    at = new_app({"lesson": "3"})
    at.run()
    do(at, {"lr": 50.0})
    link = dict(at.query_params)
    again = new_app(link)
    again.run()
    assert_clean(again)
    assert again.number_input(key="lr").value == 50.0
    assert progress_text(again).startswith("**Step 3 of")
    assert any("went up at" in t for t in texts(again.success))


def test_closing_the_lessons_keeps_the_settings_on_screen():
    at = new_app({"lesson": "6"})
    at.run()
    do(at, {"optimizer": "adam"})
    at.button(key="lesson_close").click().run()
    assert_clean(at)
    assert "lesson" not in at.query_params
    assert not at.get("progress") or not any("of" in p.proto.text for p in at.get("progress"))
    assert at.selectbox(key="optimizer").value == "adam" and at.query_params["optimizer"] == "adam"
    assert at.number_input(key="noise").value == step_settings(STEPS[5])["noise"]
    assert at.button(key="lessons_open")


@pytest.mark.parametrize(("raw", "opens", "note"), [("abc", 1, "not a number"), ("99", len(STEPS), "does not exist")])
def test_a_bad_lesson_link_opens_a_real_step_with_a_note(raw, opens, note):
    at = new_app({"lesson": raw})
    at.run()
    assert_step_on_screen(at, STEPS[opens - 1])
    assert any(note in t for t in texts(at.warning))


def test_the_last_step_trains_on_an_upload_and_names_its_strongest_input():
    step = STEPS[7]
    at = new_app({"lesson": str(step.number)})
    at.run()
    assert_step_on_screen(at, step)
    assert at.radio(key="source").value == "My CSV file"
    at.file_uploader(key="upload").upload("customers.csv", people_csv(), "text/csv").run()
    assert_clean(at)
    (text,) = [t for t in texts(at.success) if t.startswith("Trained on")]
    assert "customers.csv" in text and "to predict bought" in text
    assert "The input that matters most is" in text


def test_the_presenter_view_comes_from_the_address_and_shows_the_steps_chart():
    at = new_app({"lesson": "7", "presenter": "1"})
    at.run()
    assert_clean(at)
    assert at.toggle(key="presenter").value is True
    assert at.query_params["presenter"] == "1"
    assert "Confusion matrix (test points)" in figures(at)
    at.toggle(key="presenter").set_value(False).run()
    assert "presenter" not in at.query_params
