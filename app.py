"""cedash dashboard: pick or upload data, tune gradient descent by hand, watch it learn.

This page lays out the sidebar and the tabs. The widgets and views live in
``dashboard/``; every number and figure they show is computed by ``cedash``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.chart_code import load_chart_code

# First, before the imports below (seconds on a new server): the browser loads plotly.js meanwhile.
load_chart_code()

import logging

import numpy as np

import cedash
from cedash.data.dataset import DataError
from dashboard import learning_views as views
from dashboard import lessons_panel as lessons
from dashboard.cached_runs import train
from dashboard.data_panel import (
    builtin_data,
    chart_axes,
    edited_data,
    kept_edits,
    model_inputs,
    point_editor,
    uploaded_data,
)
from dashboard.model_panel import feature_degree, model_settings
from dashboard.state import SOURCES, VIEWS, init_state, literal, starting_value
from dashboard.training_view import show_results

log = logging.getLogger("cedash.app")

st.set_page_config(
    page_title="cedash: gradient descent on cross-entropy",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state=lessons.sidebar_state(),
)


def sidebar():
    st.header("Data")
    source = st.radio(
        "Source",
        SOURCES,
        key="source",
        **starting_value(st.radio, "source", SOURCES),
        horizontal=True,
        help="Use one of the built-in data sets, or upload your own CSV file.",
    )
    data, data_key = None, ""
    if source == SOURCES[1]:
        data, data_key = uploaded_data()
    if data is None:
        data, data_key = builtin_data()
    data = model_inputs(data)
    chart_axes(data)
    degree = feature_degree()
    st.header("Model")
    return data, data_key, model_settings(degree)


def main() -> None:
    init_state()
    lessons.start()
    lessons.header("cedash")
    st.caption(
        "Watch a classifier learn by gradient descent on the cross-entropy loss. "
        f"Every setting is in the page address, so a link reopens this exact demo. (cedash {cedash.__version__})"
    )
    for note in st.session_state.url_notes:
        st.warning(literal(note))
    lesson_box = st.container()
    with st.sidebar:
        data, data_key, config = sidebar()

    # Only the open tab is built. The Data tab's table is drawn only there too; while it is closed,
    # the edits kept from its last showing still apply.
    tabs = dict(zip(VIEWS, st.tabs(VIEWS, key="view", on_change="rerun", bind="query-params"), strict=True))
    data_open = tabs["Data"].open
    if data_open:
        with tabs["Data"]:
            table_column, chart_column = st.columns(2)
        with table_column:
            data = edited_data(data, data_key)
    else:
        data = kept_edits(data, data_key)

    try:
        result, result_key = train(data, config)
    except DataError as exc:
        tabs["Training"].error(literal(exc))
        with lesson_box:
            lessons.show(None, data_key)
        return
    with lesson_box:
        lessons.show(result, data_key)
    if data_open:
        with chart_column:
            point_editor(result, data, data_key)
        with tabs["Data"]:
            parts = {"train": result.train, "test": result.test}
            # st.table reads Markdown in cells, so class labels are escaped to show as typed.
            rows = {part: {literal(c): int(np.sum(d.y == c)) for c in result.classes} for part, d in parts.items() if d}
            st.markdown("**Train/test split** (points per class)")
            st.table(rows)
            for note in result.train.notes:
                st.caption(literal(note))

    views_by_tab = {
        "Training": lambda: show_results(result, result_key, data),
        "Replay": lambda: views.replay_tab(result, result_key),
        "Landscape": lambda: views.landscape_tab(result, result_key),
        "Points": lambda: views.points_tab(result, result_key),
        "Optimisers": lambda: views.optimizer_tab(data, config, result, result_key),
        "Compare": lambda: views.compare_tab(result, data.name),
        "Sweep": lambda: views.sweep_tab(data, config),
    }
    for name, draw in views_by_tab.items():
        if tabs[name].open:
            with tabs[name]:
                draw()


try:
    main()
except DataError as exc:
    st.error(literal(exc))
except Exception as exc:  # the page must stay usable; the server log keeps the details
    log.exception("unexpected error in the dashboard")
    st.error(
        f"Something went wrong ({type(exc).__name__}). The details are in the server log; "
        "change a setting or reload the page to continue."
    )
