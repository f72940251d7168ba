"""Session state: settings from the URL, widgets bound to it, and values that must survive reruns."""

from __future__ import annotations

import logging
import re

import streamlit as st

from cedash.limits import Limits
from cedash.plots.redraw_spec import figure_spec
from cedash.runs.warm_up import BackgroundWarmUp, warm_up_in_background
from dashboard.run_cache import RunCache
from dashboard.settings import SETTINGS, nearest_scale_value, out_of_range_note, settings_from_query, url_text

LIMITS = Limits.from_env()
log = logging.getLogger("cedash.app")
SOURCES = ("Built-in data set", "My CSV file")
# The data source in the page address: a link or a reconnected page comes back to the same source.
SOURCE_IN_ADDRESS = {SOURCES[0]: "builtin", SOURCES[1]: "csv"}


# The tabs, in order; the open one is the URL's "view" parameter.
VIEWS = ("Training", "Replay", "Landscape", "Points", "Optimisers", "Compare", "Sweep", "Data")


# Plotly's toolbar with two buttons, download as PNG and reset the axes (drag still zooms): the full
# toolbar is rebuilt with every redrawn chart, which a learning-rate change pays for (bench_app.py).
CHART_CONFIG = {"modeBarButtons": [["toImage", "resetScale2d"]], "displaylogo": False}


def chart(fig, key: str, where=None) -> None:
    """Show a cedash figure full width, styled by its own layout.

    Streamlit's chart theme would be merged into each figure in the browser on
    every redraw; the figures carry plain styling of their own instead.
    """
    (where or st).plotly_chart(spec_once(fig), width="stretch", key=key, theme=None, config=CHART_CONFIG)


def spec_once(fig):
    """``fig``, its ``to_dict`` answering from the first answer from now on; the figure must not change after.

    ``st.plotly_chart`` turns a figure into a dict on every rerun that shows it: a deep copy walked for numpy
    arrays, the largest part of Streamlit's work on a chart. A figure kept in the run cache (the boundary, the
    loss, Play's, pinned runs') is shown again on every rerun that does not change it, and by every session.
    The dict is in the form the page draws once rather than twice (``cedash.plots.redraw_spec``).
    """
    if "_spec_once" not in fig.__dict__:
        spec = figure_spec(fig)
        # Plain attributes: plotly's own __setattr__ would take "to_dict" for a figure property.
        object.__setattr__(fig, "to_dict", lambda: spec)
        object.__setattr__(fig, "_spec_once", True)
    return fig


# How long a new server's compiling waits for the first page to be drawn (first_page_drawn) at most.
WARM_UP_HOLD_S = 10.0


@st.cache_resource(show_spinner=False)
def warm_kernels() -> BackgroundWarmUp:
    """Once per server: compile the numba kernels in the background; pages are served meanwhile."""
    return warm_up_in_background(hold_s=WARM_UP_HOLD_S)


def first_page_drawn() -> None:
    """The page's charts are sent: the kernels may compile now without slowing the first page down."""
    warm_kernels().go()


@st.cache_resource
def run_cache() -> RunCache:
    """Finished runs and derived views, shared by every session: same data and settings, same result."""
    return RunCache(max_entries=64)


# Below 640 px (a phone; Streamlit stacks columns there too) the open sidebar is a sheet over the lower half
# of the screen, so that the summary line and the top of the charts stay in view while a setting changes
# (as a full-height panel it covered the page); and the Play figure shows its stacked form, side by side
# above. A hidden chart is never drawn: Streamlit draws a chart only once its box has a width.
PAGE_CSS = """<style>
@media (max-width: 640px) {
  section[data-testid="stSidebar"][data-collapsed="false"] {
    position: fixed !important; top: auto !important; bottom: 0 !important; left: 0 !important;
    height: 50vh !important; min-height: 0 !important;
    width: 100vw !important; min-width: 100vw !important; max-width: 100vw !important;
    box-shadow: 0 -6px 16px rgba(0, 0, 0, 0.18);
  }
  .st-key-play_chart { display: none; }
}
@media (min-width: 641px) { .st-key-play_chart_phone { display: none; } }
/* Whole pixels for every chart: plotly sizes a chart first from its computed width (rounded to 3 decimals),
   then Streamlit gives it the measured one (to 1/64 px); any difference redraws the chart from scratch
   (cedash/plots/redraw_spec.py). Browsers without CSS round() ignore this and only lose the saving. */
[data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]) { width: round(down, 100%, 1px) !important; }
</style>"""


def init_state() -> None:
    """On a session's first run, take settings from the URL (checked and clamped) or the defaults."""
    warm_kernels()
    st.html(PAGE_CSS)
    state = st.session_state
    if "initialised" in state:
        return
    values, notes = settings_from_query(st.query_params.to_dict())
    view = st.query_params.get("view")
    if view is not None and view not in VIEWS:
        notes.append(f"View {view[:40]!r} from the link does not exist, so the {VIEWS[0]} tab is shown.")
    for key, setting in SETTINGS.items():
        state[key] = values.get(key, setting.default)
    if state.iters > LIMITS.max_iter:  # this server's own limit (CEDASH_MAX_ITER) may be below the setting's range
        notes.append(f"Iterations {state.iters} is above this server's limit, so {LIMITS.max_iter} is used.")
        state.iters = LIMITS.max_iter
    state.lr_scale = nearest_scale_value(state.lr)
    # The source is in the address too (data_panel writes it); an uploaded file is not, and is asked for again.
    state.source = SOURCES[1] if st.query_params.get("source") == SOURCE_IN_ADDRESS[SOURCES[1]] else SOURCES[0]
    state.url_notes = notes
    state.initialised = True


def keep(key: str) -> None:
    """Widgets that are not drawn in a run lose their state; restore it from a shadow copy."""
    shadow = f"_kept_{key}"
    if key not in st.session_state and shadow in st.session_state:
        st.session_state[key] = st.session_state[shadow]


def remember(*keys: str) -> None:
    for key in keys:
        if key in st.session_state:
            st.session_state[f"_kept_{key}"] = st.session_state[key]


def starting_value(kind, key: str, options=None, min_value=None, max_value=None) -> dict:
    """The session's value as the widget's own default (``value=`` or ``index=``).

    The page draws a widget with its built-in default first and the session's value one render later: a new
    page showed "Learning rate 0", "Iterations 1" and "Points 10" for 0.1-0.4 s. The session's value is
    the one used either way; .streamlit/config.toml silences Streamlit's note that it was given both ways.
    A value outside the widget's bounds is not given: Streamlit would refuse it with an exception.
    """
    if key not in st.session_state:
        return {}
    current = st.session_state[key]
    if kind in (st.selectbox, st.radio):
        choices = list(options or ())
        return {"index": choices.index(current)} if current in choices else {}
    if (min_value is not None and current < min_value) or (max_value is not None and current > max_value):
        return {}
    return {"value": current}


def widget(kind, key: str, then=None, **kwargs):
    """A settings widget bound to the URL, with the label, range and help text from dashboard.settings.

    A number box with a range is clamped by ``clamp_typed``, which calls ``then`` after a value is typed.
    """
    s = SETTINGS[key]
    keep(key)
    clamped_here = kind is st.number_input and s.low is not None
    if clamped_here:
        # Streamlit refuses a number out of the box's range with a red outline and the reason in a hover; the
        # box takes any number instead, and clamp_typed brings it into range with a note under the box.
        high = kwargs.pop("max_value", s.high)
        kwargs.update(min_value=None, max_value=None, on_change=clamp_typed, args=(key, high, then))
    elif kind in (st.slider, st.number_input) and s.low is not None:
        cast = int if s.kind == "int" else float
        kwargs.setdefault("min_value", cast(s.low))
        kwargs.setdefault("max_value", cast(s.high))
    if kind in (st.selectbox, st.radio):
        kwargs.setdefault("options", s.choices)
    kwargs.update(starting_value(kind, key, kwargs.get("options"), kwargs.get("min_value"), kwargs.get("max_value")))
    value = kind(s.label, key=key, help=s.help, **kwargs)
    # Every setting goes into the address by hand, default or not: Streamlit's own binding leaves out a
    # value equal to the widget's built-in default (off, the first option, the minimum), which is often not
    # cedash's default, so such a link would reopen with a different setting. The value was read and
    # checked from the address in init_state, and writing it back also replaces a clamped link's value.
    text = url_text(value)
    if st.query_params.get(key) != text:
        st.query_params[key] = text
    remember(key)
    if clamped_here and st.session_state.get(f"_note_{key}"):
        st.warning(st.session_state[f"_note_{key}"], icon=":material/warning:")
    return value


def clamp_typed(key: str, high: float, then=None) -> None:
    """A number box's callback: a typed value out of range is replaced by the nearest bound, with a note."""
    state = st.session_state
    if state.get(key) is None:  # an emptied box: the value before stays
        state[key] = state.get(f"_kept_{key}", SETTINGS[key].default)
    state[key], state[f"_note_{key}"] = out_of_range_note(key, state[key], high)
    if then is not None:
        then()


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


_LINK_LIKE = re.compile(r"\S*(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.)\S*")


def _code_span(text: str) -> str:
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def literal(text) -> str:
    """User text (file names, column names, labels, link values) shown as typed, never as Markdown.

    Markdown characters get a backslash. Anything that looks like a web address goes in a code span: the
    renderer turns a bare ``https://...`` into a link even when its characters are escaped.
    """
    text = str(text)
    out, last = [], 0
    for match in _LINK_LIKE.finditer(text):
        out.append(_MARKDOWN_SPECIALS.sub(r"\\\1", text[last : match.start()]))
        out.append(_code_span(match.group()))
        last = match.end()
    out.append(_MARKDOWN_SPECIALS.sub(r"\\\1", text[last:]))
    return "".join(out)


def apply_change(change: dict) -> None:
    """A button's callback: set the named settings (before the widgets are drawn), keeping the rate's slider in step."""
    state = st.session_state
    for key, value in change.items():
        state[key] = value
        state.pop(f"_note_{key}", None)
    if "lr" in change:
        sync_scale_from_lr()


def sync_lr_from_scale():
    st.session_state.lr = float(st.session_state.lr_scale)
    st.session_state.pop("_note_lr", None)


def sync_scale_from_lr():
    """After a rate is typed (and clamped) or set: move the slider to match."""
    st.session_state.lr_scale = nearest_scale_value(st.session_state.lr)
