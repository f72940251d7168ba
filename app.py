"""cedash dashboard: pick or upload data, tune gradient descent by hand, watch it learn.

This page only lays out widgets, calls the ``cedash`` package and shows what
comes back; every computation lives in ``cedash/`` and is tested there.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import streamlit as st

import cedash
from cedash import explain, export, figures
from cedash.builtin_datasets import DATASETS, load_dataset
from cedash.csv_reader import read_csv
from cedash.dataset import DataError, Dataset
from cedash.experiment import RunConfig, run
from cedash.limits import Limits
from cedash.run_cache import RunCache, fingerprint
from cedash.settings import LEARNING_RATE_SCALE, SETTINGS, nearest_scale_value, settings_from_query
from cedash.table import frame_to_dataset

log = logging.getLogger("cedash.app")
LIMITS = Limits.from_env()
EDITABLE_ROWS = 5_000
SOURCES = ("Built-in data set", "My CSV file")

st.set_page_config(page_title="cedash: gradient descent on cross-entropy", page_icon="📉", layout="wide")


@st.cache_resource
def run_cache() -> RunCache:
    return RunCache(max_entries=32)


# --- state ---------------------------------------------------------------------


def init_state() -> None:
    """On a session's first run, take settings from the URL (checked and clamped) or the defaults."""
    state = st.session_state
    if "initialised" in state:
        return
    values, notes = settings_from_query(st.query_params.to_dict())
    for key, setting in SETTINGS.items():
        state[key] = values.get(key, setting.default)
    state.lr_scale = nearest_scale_value(state.lr)
    state.source = SOURCES[0]
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


def widget(kind, key: str, **kwargs):
    """A settings widget bound to the URL, with the label, range and help text from cedash.settings."""
    s = SETTINGS[key]
    keep(key)
    if kind in (st.slider, st.number_input) and s.low is not None:
        cast = int if s.kind == "int" else float
        kwargs.setdefault("min_value", cast(s.low))
        kwargs.setdefault("max_value", cast(s.high))
    if kind in (st.selectbox, st.radio):
        kwargs.setdefault("options", s.choices)
    value = kind(s.label, key=key, help=s.help, bind="query-params", **kwargs)
    remember(key)
    return value


def sync_lr_from_scale():
    st.session_state.lr = float(st.session_state.lr_scale)


def sync_scale_from_lr():
    st.session_state.lr_scale = nearest_scale_value(st.session_state.lr)


# --- data ------------------------------------------------------------------------


def builtin_data() -> tuple[Dataset, str]:
    name = widget(st.selectbox, "dataset", format_func=str)
    st.caption(DATASETS[name].description)
    c1, c2, c3 = st.columns(3)
    with c1:
        n = widget(st.number_input, "n", step=10)
    with c2:
        noise = widget(st.number_input, "noise", step=0.05, format="%.2f")
    with c3:
        seed = widget(st.number_input, "seed", step=1)
    return load_dataset(
        name, n_samples=int(n), noise=float(noise), seed=int(seed)
    ), f"builtin|{name}|{n}|{noise}|{seed}"


def uploaded_data() -> tuple[Dataset | None, str]:
    upload = st.file_uploader(
        "CSV file",
        type=["csv", "txt", "tsv"],
        key="upload",
        help="A table with one row per point: numeric feature columns and one column of labels.",
        max_upload_size=max(1, LIMITS.max_upload_bytes // (1024 * 1024)),
    )
    state = st.session_state
    drop = st.checkbox(
        "Drop rows with missing or infinite values",
        key="drop_bad",
        help="Rows with an empty or infinite value cannot be trained on. Tick to leave them out.",
    )
    if upload is not None:
        raw = upload.getvalue()
        digest = hashlib.sha1(raw).hexdigest()[:12]
        target = state.get("target") if state.get("target_for") == digest else None
        try:
            data = read_csv(raw, target=target, drop_invalid_rows=drop, limits=LIMITS, name=upload.name)
        except DataError as exc:
            st.error(f"{upload.name}: {exc}")
            if "good_upload" in state:
                st.caption(f"Still showing the last file that worked, {state.good_upload[0].name}.")
        else:
            state.good_upload = (data, digest)
            state.target_for = digest
    if "good_upload" not in state:
        st.info("Upload a CSV file to train on your own data. Until then the built-in data set is used.")
        return None, ""
    data, digest = state.good_upload
    columns = [*data.feature_names, data.target_name]
    keep("target")
    if state.get("target") not in columns:
        state.target = data.target_name
    st.selectbox(
        "Target column",
        columns,
        key="target",
        help="The column that holds the class of each row; the others are the features.",
    )
    remember("target")
    if state.target != data.target_name and upload is None:
        st.caption("Upload the file again to change its target column.")
    return data, f"upload|{digest}|{data.target_name}|{drop}"


def display_features(data: Dataset) -> Dataset:
    """Pick the two features to train on and draw; data with two features needs no choice."""
    if data.n_features == 2:
        return data
    names = list(data.feature_names)
    state = st.session_state
    for key, default in (("fx", names[0]), ("fy", names[1])):
        keep(key)
        if state.get(key) not in names:
            state[key] = default
    c1, c2 = st.columns(2)
    with c1:
        fx = st.selectbox("x-axis feature", names, key="fx", help="The first of the two features the model uses.")
    with c2:
        fy = st.selectbox("y-axis feature", names, key="fy", help="The second of the two features the model uses.")
    remember("fx", "fy")
    if fx == fy:
        st.warning("Pick two different features; using the next one for the y axis.")
        fy = names[(names.index(fx) + 1) % len(names)]
    return data.select_features([fx, fy])


def edited_data(data: Dataset, data_key: str) -> Dataset:
    """Show the data in an editable table; edits are kept per data set for the whole session."""
    state = st.session_state
    table_key = "table_" + hashlib.sha1(f"{data_key}|{data.feature_names}".encode()).hexdigest()[:10]
    state.table_key = table_key
    if data.n_samples > EDITABLE_ROWS:
        st.caption(f"Tables over {EDITABLE_ROWS:,} rows are shown but not edited; the first 1,000 rows:")
        st.dataframe(export.dataset_frame(data).head(1000), height=300)
        return data
    bases = state.setdefault("table_bases", {})
    latest = state.setdefault("table_latest", {})
    if table_key not in state or table_key not in bases:
        # The editor's own state is gone (new data, or it was not drawn): start from the last edited version.
        bases[table_key] = latest.get(table_key, export.dataset_frame(data))
    st.caption(
        "Change values or labels, add rows at the bottom, or select rows and delete them. "
        "Edits are kept while you change other settings."
    )
    edited = st.data_editor(bases[table_key], key=table_key, num_rows="dynamic", height=320, width="stretch")
    latest[table_key] = edited
    result = frame_to_dataset(edited, target=data.target_name, name=data.name)
    for note in result.notes:
        st.caption(note)
    return result


# --- model -------------------------------------------------------------------------


def model_settings() -> RunConfig:
    st.select_slider(
        "Learning rate (log scale)",
        options=LEARNING_RATE_SCALE,
        key="lr_scale",
        help=SETTINGS["lr"].help,
        on_change=sync_lr_from_scale,
        format_func=lambda v: f"{v:g}",
    )
    lr = widget(st.number_input, "lr", format="%.6g", step=None, on_change=sync_scale_from_lr)
    iters = widget(st.number_input, "iters", step=100, max_value=min(SETTINGS["iters"].high, LIMITS.max_iter))
    c1, c2 = st.columns(2)
    with c1:
        optimizer = widget(st.selectbox, "optimizer")
    with c2:
        batch = widget(st.number_input, "batch", step=8)
    l2 = widget(st.number_input, "l2", step=0.001, format="%.4g")
    intercept = widget(st.toggle, "intercept")
    standardize = widget(st.toggle, "standardize")
    degree = widget(st.slider, "degree")
    test = widget(st.slider, "test", step=0.05)
    return RunConfig(
        learning_rate=float(lr),
        max_iter=int(iters),
        optimizer=optimizer,
        batch_size=int(batch) or None,
        alpha=float(l2),
        fit_intercept=bool(intercept),
        standardize=bool(standardize),
        degree=int(degree),
        test_size=float(test),
        seed=int(st.session_state.get("seed", 0)),
    )


def train(data: Dataset, config: RunConfig):
    key = (fingerprint(data), config)
    bar = st.empty()
    every = max(1, config.max_iter // 50)

    def progress(iteration, loss):
        if iteration % every == 0:
            bar.progress(iteration / config.max_iter, text=f"Training: iteration {iteration:,}, loss {loss:.4g}")

    result, cached = run_cache().get_or_compute(key, lambda: run(data, config, callback=progress, limits=LIMITS))
    st.session_state.last_run_cached = cached
    bar.empty()
    return result


# --- results -----------------------------------------------------------------------


def show_results(result) -> None:
    summary = result.summary()
    cols = st.columns(6)
    cols[0].metric("Train loss", f"{summary['train_loss']:.4f}", help="Mean cross-entropy on the training points.")
    cols[1].metric(
        "Test loss",
        f"{summary['test_loss']:.4f}" if "test_loss" in summary else "–",
        help="Mean cross-entropy on held-out points.",
    )
    cols[2].metric("Train accuracy", f"{summary['train_accuracy']:.1%}")
    cols[3].metric("Test accuracy", f"{summary['test_accuracy']:.1%}" if "test_accuracy" in summary else "–")
    cols[4].metric("Iterations", f"{summary['n_iter']:,}")
    cols[5].metric("Fit time", f"{summary['fit_seconds'] * 1000:.0f} ms")

    message = explain.divergence_message(result)
    if message:
        st.warning(message, icon="⚠️")

    log_y = widget(st.toggle, "logy")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(figures.loss_figure(result, log_y=log_y), width="stretch", key="loss_chart")
        st.caption(explain.CAPTIONS["loss"])
    with right:
        st.plotly_chart(figures.accuracy_figure(result), width="stretch", key="accuracy_chart")
        st.caption(explain.CAPTIONS["accuracy"])
    st.plotly_chart(figures.boundary_figure(result), width="stretch", key="boundary_chart")
    st.caption(explain.CAPTIONS["boundary"])
    if result.feature_map.added_features_:
        st.caption("Features added by the degree setting: " + ", ".join(result.feature_map.added_features_))

    with st.expander("The maths of this run", expanded=False):
        st.markdown("The loss the model minimises, with its current value:")
        st.latex(explain.loss_latex(result))
        st.markdown("One step of the optimiser:")
        st.latex(explain.update_latex(result))

    st.markdown("**Downloads**")
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        "Model (JSON)",
        export.model_json(result),
        "cedash-model.json",
        "application/json",
        help="Classes, coefficients, intercept and every setting.",
        key="dl_model",
    )
    d2.download_button(
        "Loss history (CSV)",
        export.history_csv(result),
        "cedash-history.csv",
        "text/csv",
        help="The loss at every iteration.",
        key="dl_history",
    )
    d3.download_button(
        "Data (CSV)",
        export.dataset_csv(result_data(result)),
        "cedash-data.csv",
        "text/csv",
        help="The data as edited, train and test together.",
        key="dl_data",
    )


def result_data(result) -> Dataset:
    parts = [result.train] + ([result.test] if result.test is not None else [])
    return Dataset(
        np.vstack([p.X for p in parts]),
        np.concatenate([p.y for p in parts]),
        result.train.feature_names,
        result.train.target_name,
        "data",
    )


# --- page --------------------------------------------------------------------------


def main() -> None:
    init_state()
    st.title("cedash")
    st.caption(
        "Watch a classifier learn by gradient descent on the cross-entropy loss. "
        f"Every setting is in the page address, so a link reopens this exact demo. (cedash {cedash.__version__})"
    )
    for note in st.session_state.url_notes:
        st.warning(note)

    with st.sidebar:
        st.header("Data")
        source = st.radio(
            "Source",
            SOURCES,
            key="source",
            horizontal=True,
            help="Use one of the built-in data sets, or upload your own CSV file.",
        )
        data, data_key = (None, "")
        if source == SOURCES[1]:
            data, data_key = uploaded_data()
        if data is None:
            data, data_key = builtin_data()
        data = display_features(data)
        st.header("Model")
        config = model_settings()

    tab_train, tab_data = st.tabs(["Training", "Data"])
    with tab_data:
        data = edited_data(data, data_key)
    try:
        result = train(data, config)
    except DataError as exc:
        with tab_train:
            st.error(str(exc))
        return
    with tab_data:
        counts = {"train": result.train, "test": result.test}
        rows = {part: {str(c): int(np.sum(d.y == c)) for c in result.classes} for part, d in counts.items() if d}
        st.markdown("**Train/test split** (points per class)")
        st.table(rows)
        for note in result.train.notes:
            st.caption(note)
    with tab_train:
        show_results(result)


try:
    main()
except DataError as exc:
    st.error(str(exc))
except Exception as exc:  # the page must stay usable; the server log keeps the details
    log.exception("unexpected error in the dashboard")
    st.error(
        f"Something went wrong ({type(exc).__name__}). The details are in the server log; "
        "change a setting or reload the page to continue."
    )
