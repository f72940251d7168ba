"""Lessons mode: the guided tour's panel above the tabs, its place in the address, and the presenter view.

The steps themselves are data (``cedash/lessons/steps.toml``); this module sets a step's settings through the
same session state the widgets read (so the address holds them like any change), and shows the step's
text, its task and what the run on screen shows once the task is done. The rest of the page stays usable:
the panel only reads the run the page trained.
"""

from __future__ import annotations

import streamlit as st

from cedash.data.dataset import DataError
from cedash.lessons.guide import LessonError, Step, builtin_data, load_steps, render, reply_for, run_config
from cedash.lessons.guide import step_settings as settings_of_step
from cedash.lessons.numbers import RunNumbers
from cedash.plots import insight_figures, training_figures
from cedash.runs.experiment import run
from cedash.runs.pointwise import confusion, point_losses
from dashboard.copy_link import copy_link_button
from dashboard.run_cache import fingerprint
from dashboard.settings import defaults
from dashboard.state import LIMITS, SOURCES, VIEWS, apply_change, chart, literal, run_cache

PRESENTER_STYLE = """
<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
.st-key-lesson_panel p, .st-key-lesson_panel li { font-size: 1.2rem; line-height: 1.45; }
</style>
"""
TRUE_WORDS = ("1", "true", "yes", "on")


def page_defaults() -> dict:
    """Every setting a step may name: the address's settings, the open tab and the data source."""
    return {**defaults(), "view": VIEWS[0], "source": SOURCES[0]}


def step_settings(step: Step, change: dict | None = None) -> dict:
    return settings_of_step(step, page_defaults(), change)


def presenter_link() -> bool:
    """Whether the address asks for the presenter view; read before the page is configured."""
    return str(st.query_params.get("presenter", "")).lower() in TRUE_WORDS


def sidebar_state() -> str:
    """Folded away in the presenter view (the session's switch once there is one, else the address)."""
    return "collapsed" if st.session_state.get("presenter", presenter_link()) else "auto"


def _lesson_from_link(raw: str, count: int) -> tuple[int | None, str | None]:
    try:
        number = int(str(raw).strip())
    except ValueError:
        return None, f"Lesson step {str(raw)[:40]!r} from the link is not a number, so the lessons start at step 1."
    if not 1 <= number <= count:
        clamped = min(max(number, 1), count)
        note = f"Lesson step {number} from the link does not exist (there are {count}), so step {clamped} opens."
        return clamped, note
    return number, None


def start() -> None:
    """On a session's first run: open the step a link names, with its settings for every one the link leaves out.

    Runs before any widget is drawn. A link copied from the page holds every setting, so it reopens the
    step exactly as it was, including what the user had tried; a hand-written ``?lesson=3`` sets the step up.
    """
    state = st.session_state
    if "lesson" not in state:
        state.lesson = None
        state.presenter = presenter_link()
        raw = st.query_params.get("lesson")
        if raw is not None:
            number, note = _lesson_from_link(raw, len(load_steps()))
            if note:
                state.url_notes.append(note)
            number = number or 1
            given = set(st.query_params.to_dict())
            if given - {"lesson", "presenter"}:
                # A link copied from the page: Streamlit leaves the tab out of the address when the first tab is
                # open (its own default), so a missing tab there means the first one, not the step's.
                given.add("view")
            settings = step_settings(load_steps()[number - 1])
            apply_change({k: v for k, v in settings.items() if k not in given})
            state.lesson = number
    _write_address()


def _write_address() -> None:
    state = st.session_state
    lesson = None if state.lesson is None else str(state.lesson)
    wanted = {"lesson": lesson, "presenter": "1" if state.presenter else None}
    for key, value in wanted.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def go_to(number: int) -> None:
    """A button's callback: open step ``number`` with every one of its settings."""
    st.session_state.lesson = number
    apply_change(step_settings(load_steps()[number - 1]))


def show_me(step: Step, change: dict) -> None:
    """A button's callback: make the change a step asks for (its first example), leaving the rest as it is."""
    settings = step_settings(step, change)
    apply_change({key: settings[key] for key in change})


def close() -> None:
    """Leave the lessons; the settings on screen stay as they are."""
    st.session_state.lesson = None


def header(title: str) -> None:
    """The page title with, beside it, the way into the lessons, the presenter view for a projector, and a
    button that copies the page's address (every setting) to paste into a chat or a slide.

    One row, so that the first screen keeps its charts whole at 1366x768; on a phone the row wraps.
    """
    state = st.session_state
    row = st.container(horizontal=True, vertical_alignment="center", gap="medium", key="title_row")
    row.title(title, width="content")
    if state.lesson is None:
        row.button(
            "Lessons",
            key="lessons_open",
            icon=":material/school:",
            type="primary",
            on_click=go_to,
            args=(1,),
            help="A guided tour in 8 steps: each sets the page up, says what to look at, asks you to try one "
            "thing and says what happened.",
        )
    row.toggle(
        "Presenter view",
        key="presenter",
        help="Larger type and the sidebar folded away, for a projector. The address keeps it: a link opens "
        "straight into it.",
    )
    with row:
        copy_link_button()
    if state.presenter:
        st.html(PRESENTER_STYLE)


def _start_numbers(step: Step) -> RunNumbers:
    """The run of the step's own settings, from the server-wide cache (the same entry the page uses for it)."""
    settings = step_settings(step)
    data, config = builtin_data(settings), run_config(settings)
    result = run_cache().get_or_compute((fingerprint(data), config), lambda: run(data, config, limits=LIMITS))[0]
    return RunNumbers(result, settings)


def _now_numbers(result, data_key: str) -> RunNumbers:
    settings = {key: st.session_state.get(key, value) for key, value in page_defaults().items()}
    if not data_key.startswith("builtin|"):
        # An uploaded table is not the built-in set the data-set box still names.
        settings["dataset"] = result.train.name.removesuffix(" (train)")
    return RunNumbers(result, settings)


def _navigation(step: Step, count: int, show_me_change: dict | None) -> None:
    """Back, Next, Show me, Start again and Close in one row, which wraps on a phone."""
    row = st.container(horizontal=True, gap="small", key="lesson_buttons")
    row.button("Back", key="lesson_back", icon=":material/arrow_back:", disabled=step.number == 1,
               on_click=go_to, args=(step.number - 1,))  # fmt: skip
    if step.number < count:
        row.button("Next", key="lesson_next", icon=":material/arrow_forward:", type="primary",
                   on_click=go_to, args=(step.number + 1,))  # fmt: skip
    if show_me_change:
        row.button("Show me", key="lesson_show_me", icon=":material/visibility:", on_click=show_me,
                   args=(step, show_me_change), help="Make the change this step asks for.")  # fmt: skip
    row.button("Start this step again", key="lesson_again", icon=":material/restart_alt:", on_click=go_to,
               args=(step.number,), help="Put back this step's own settings.")  # fmt: skip
    row.button("Close lessons", key="lesson_close", icon=":material/close:", on_click=close,
               help="Back to the plain page; the settings on screen stay as they are.")  # fmt: skip


def _step_chart(step: Step, result) -> None:
    """The step's chart, large, for the presenter view."""
    axes = st.session_state.get("axes")
    if step.chart == "points":
        fig = insight_figures.neg_log_figure(point_losses(result, result.train), result.classes)
    elif step.chart == "confusion" and len(result.classes) > 2 and result.test is not None:
        part = result.test
        matrix = confusion(part.y, result.model.predict(result.feature_map.transform(part.X)), result.classes)
        fig = insight_figures.confusion_figure(matrix, result.classes, "Confusion matrix (test points)")
    elif step.chart == "boundary" and axes is not None:
        fig = training_figures.boundary_figure(result, axes=axes)
    else:
        fig = training_figures.loss_figure(result)
    # Sized to sit whole beside the text under the title at 1366x768, with type a room can read.
    fig.update_layout(height=430, font={"size": 17}, title_font_size=20, legend_font_size=16)
    fig.update_xaxes(tickfont_size=16, title_font_size=17)
    fig.update_yaxes(tickfont_size=16, title_font_size=17)
    chart(fig, "lesson_chart")


def show(result, data_key: str) -> None:
    """The open step: where it is in the tour, what to look at, what to try, and what the run on screen shows."""
    state = st.session_state
    if state.lesson is None:
        return
    steps = load_steps()
    step = steps[state.lesson - 1]
    panel = st.container(border=True, key="lesson_panel")
    with panel:
        st.progress(step.number / len(steps), text=f"**Step {step.number} of {len(steps)}**: {step.title}")
        presenting = state.presenter and result is not None
        if presenting:
            text_column, chart_column = st.columns([1, 1])
        else:
            text_column = chart_column = st.container()
        with text_column:
            show_me_change = _step_text(step, result, data_key)
        if presenting:
            with chart_column:
                _step_chart(step, result)
        _navigation(step, len(steps), show_me_change)


def _step_text(step: Step, result, data_key: str) -> dict | None:
    """The step's text, its task and the reply; returns the change "Show me" makes while the task is not done."""
    try:
        start_numbers = _start_numbers(step)
    except (DataError, LessonError) as exc:
        st.error(literal(f"This step's own settings cannot be trained here: {exc}"))
        return None
    intro = render(step.text, start_numbers, start_numbers)
    st.markdown(literal(intro) if intro is not None else literal(step.text))
    task = literal(step.task)
    if "sidebar" in step.task:
        # Presenter view and a phone fold the sidebar away: say where it is.
        task += " (A folded sidebar opens with the » button at the top left.)"
    st.markdown(f":material/touch_app: **Try this:** {task}")
    if result is None:
        return None
    found = reply_for(step, _now_numbers(result, data_key), start_numbers)
    box = st.container(key="lesson_reply")
    if found is None:
        box.caption("The page notices when you have done it, and says what happened here.")
    elif found[0].done:
        box.success(literal(found[1]), icon=":material/check_circle:")
        return None
    else:
        box.info(literal(found[1]), icon=":material/trending_flat:")
    examples = [r.example for r in step.replies if r.done and r.example]
    return examples[0] if examples else None
