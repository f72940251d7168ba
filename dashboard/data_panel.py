"""Where the data comes from: a built-in set, an uploaded CSV, and the editable table."""

from __future__ import annotations

import hashlib
from functools import partial

import streamlit as st

from cedash.data.builtin_datasets import DATASETS, load_dataset
from cedash.data.csv_reader import read_csv
from cedash.data.dataset import DataError, Dataset
from cedash.data.table import add_row, drop_row, frame_to_dataset
from cedash.plots.editing import GRID_ROW, clicked_point, editable_boundary_figure
from cedash.runs import export
from dashboard.state import CHART_CONFIG, LIMITS, keep, literal, remember, widget

EDITABLE_ROWS = 5_000
UNDO_STEPS = 20


def builtin_data() -> tuple[Dataset, str]:
    name = widget(st.selectbox, "dataset", format_func=str)
    spec = DATASETS[name]
    st.caption(spec.description)
    c1, c2, c3 = st.columns(3)
    # The bundled sets are fixed data: their size and noise knobs are shown but greyed out.
    with c1:
        n = widget(st.number_input, "n", step=10, disabled=not spec.uses_n)
    with c2:
        noise = widget(st.number_input, "noise", step=0.05, format="%.2f", disabled=not spec.uses_noise)
    with c3:
        seed = widget(st.number_input, "seed", step=1)
    data = load_dataset(name, n_samples=int(n), noise=float(noise), seed=int(seed))
    return data, f"builtin|{name}|{n}|{noise}|{seed}"


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
            st.error(literal(f"{upload.name}: {exc}"))
            if "good_upload" in state:
                st.caption(literal(f"Still showing the last file that worked, {state.good_upload[0].name}."))
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
    fx = st.selectbox("x-axis feature", names, key="fx", help="The first of the two features the model uses.")
    fy = st.selectbox("y-axis feature", names, key="fy", help="The second of the two features the model uses.")
    remember("fx", "fy")
    if fx == fy:
        st.warning("Pick two different features; using the next one for the y axis.")
        fy = names[(names.index(fx) + 1) % len(names)]
    return data.select_features([fx, fy])


def forget_unedited_tables(current: str, current_unedited: bool) -> None:
    """Drop the session's copies of tables nobody edited, except the one on screen.

    They are rebuilt from their data set when shown again, so a session that
    browses many data sets keeps one table copy per set it actually changed.
    """
    state = st.session_state
    unedited = state.setdefault("table_unedited", set())
    (unedited.add if current_unedited else unedited.discard)(current)
    for key in unedited - {current}:
        state.table_bases.pop(key, None)
        state.table_latest.pop(key, None)
    unedited.intersection_update({current})


def table_key_for(data: Dataset, data_key: str) -> str:
    return "table_" + hashlib.sha1(f"{data_key}|{data.feature_names}".encode()).hexdigest()[:10]


def kept_edits(data: Dataset, data_key: str) -> Dataset:
    """``data`` with the edits made in its table, without drawing the table (the Data tab is closed)."""
    latest = st.session_state.get("table_latest", {}).get(table_key_for(data, data_key))
    if latest is None or data.n_samples > EDITABLE_ROWS:
        return data
    return frame_to_dataset(latest, target=data.target_name, name=data.name)


def edited_data(data: Dataset, data_key: str) -> Dataset:
    """Show the data in an editable table and return it with the user's edits.

    Edits are kept per data set for the whole session: when the editor's own
    state is gone (other data was shown meanwhile), the table starts from the
    last edited version instead of the original.
    """
    state = st.session_state
    table_key = table_key_for(data, data_key)
    state.table_key = table_key
    if data.n_samples > EDITABLE_ROWS:
        st.caption(f"Tables over {EDITABLE_ROWS:,} rows are shown but not edited; the first 1,000 rows:")
        st.dataframe(export.dataset_frame(data).head(1000), height=300)
        return data
    bases = state.setdefault("table_bases", {})
    latest = state.setdefault("table_latest", {})
    original = export.dataset_frame(data)
    editor_key = editor_key_for(table_key)
    if editor_key not in state or table_key not in bases:
        bases[table_key] = latest.get(table_key, original)
    st.caption(
        "Change values or labels, add rows at the bottom, or select rows and delete them. "
        "Edits are kept while you change other settings."
    )
    edited = st.data_editor(bases[table_key], key=editor_key, num_rows="dynamic", height=320, width="stretch")
    latest[table_key] = edited
    forget_unedited_tables(table_key, edited.equals(original))
    result = frame_to_dataset(edited, target=data.target_name, name=data.name)
    for note in result.notes:
        st.caption(literal(note))
    return result


def editor_key_for(table_key: str) -> str:
    """The table editor's widget key. A change made outside the editor (a click on the chart, undo) gives it
    a new key, so the editor starts from the changed table instead of replaying its old edits onto it."""
    version = st.session_state.setdefault("table_versions", {}).get(table_key, 0)
    return table_key if version == 0 else f"{table_key}_v{version}"


def replace_table(table_key: str, frame) -> None:
    """Make ``frame`` the table's current version, keeping the one before it for undo."""
    state = st.session_state
    latest = state.setdefault("table_latest", {})
    history = state.setdefault("table_undo", {}).setdefault(table_key, [])
    if table_key in latest:
        history.append(latest[table_key])
        del history[:-UNDO_STEPS]
    latest[table_key] = frame
    versions = state.setdefault("table_versions", {})
    versions[table_key] = versions.get(table_key, 0) + 1
    state.setdefault("table_unedited", set()).discard(table_key)


def undo_table(table_key: str) -> None:
    state = st.session_state
    history = state.get("table_undo", {}).get(table_key)
    if history:
        state.table_latest[table_key] = history.pop()
        state.table_versions[table_key] = state.table_versions.get(table_key, 0) + 1


def chart_clicked(table_key: str, target: str, features: list[str]) -> None:
    """The Data tab chart's callback: add a point of the chosen class where it was clicked, or remove one."""
    state = st.session_state
    selection = state.get("data_click")
    click = clicked_point(selection["selection"]["points"] if selection else [])
    frame = state.get("table_latest", {}).get(table_key)
    if click is None or frame is None:
        return
    row, x, y = click
    if row == GRID_ROW:
        label = state.get("add_class")
        if label is None:
            return
        replace_table(table_key, add_row(frame, {features[0]: x, features[1]: y, target: label}))
    elif row < len(frame):
        replace_table(table_key, drop_row(frame, row))


def point_editor(result, data: Dataset, data_key: str) -> None:
    """The boundary beside the table: pick a class, click to add a point of it, click a point to remove it."""
    state = st.session_state
    table_key = table_key_for(data, data_key)
    frame = state.get("table_latest", {}).get(table_key)
    if frame is None or data.n_features != 2:
        st.caption(f"Points can be added on the chart for tables of two features of up to {EDITABLE_ROWS:,} rows.")
        return
    target = data.target_name
    classes = [c.item() if hasattr(c, "item") else c for c in result.classes]
    if state.get("add_class") not in classes:
        state.add_class = classes[0]
    c1, c2 = st.columns([3, 1])
    c1.segmented_control("Class of new points", classes, key="add_class", format_func=str)
    c2.button(
        "Undo",
        key="undo_edit",
        icon=":material/undo:",
        disabled=not state.get("table_undo", {}).get(table_key),
        on_click=undo_table,
        args=(table_key,),
        help="Take back the last point added or removed.",
    )
    features = [c for c in frame.columns if c != target]
    st.plotly_chart(
        editable_boundary_figure(result, frame, target),
        key="data_click",
        on_select=partial(chart_clicked, table_key, target, features),
        selection_mode="points",
        width="stretch",
        theme=None,
        config=CHART_CONFIG,
    )
