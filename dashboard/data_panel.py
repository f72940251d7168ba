"""Where the data comes from: a built-in set, an uploaded CSV, and the editable table."""

from __future__ import annotations

import hashlib
from functools import partial

import streamlit as st

from cedash.data.builtin_datasets import DATASETS, load_dataset
from cedash.data.columns import DEFAULT_MAX_CATEGORIES
from cedash.data.csv_reader import read_csv, read_raw
from cedash.data.dataset import DataError, Dataset
from cedash.data.table import add_row, drop_row, frame_to_dataset
from cedash.plots.editing import GRID_ROW, clicked_point, editable_boundary_figure
from cedash.plots.shown_data import default_axes
from cedash.runs import export
from dashboard.state import (
    CHART_CONFIG,
    LIMITS,
    SOURCE_IN_ADDRESS,
    SOURCES,
    keep,
    literal,
    remember,
    spec_once,
    widget,
)

EDITABLE_ROWS = 5_000
UNDO_STEPS = 20


def builtin_data() -> tuple[Dataset, str]:
    if st.session_state.get("source") != SOURCES[1]:
        to_address("source", SOURCE_IN_ADDRESS[SOURCES[0]])
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
    data = shared_dataset(name, int(n), float(noise), int(seed))
    return data, f"builtin|{name}|{n}|{noise}|{seed}"


@st.cache_resource(show_spinner=False, max_entries=64)
def shared_dataset(name: str, n: int, noise: float, seed: int) -> Dataset:
    """A built-in set is the same for the same settings: made once per server and shared by every session,
    instead of on every rerun of every page. Its arrays are read-only, so no session can change another's."""
    data = load_dataset(name, n_samples=n, noise=noise, seed=seed)
    data.X.setflags(write=False)
    data.y.setflags(write=False)
    return data


ROLE_CHOICES = ("feature", "target", "left out")
MISSING_CHOICES = {"drop": "Leave those rows out", "fill": "Fill the gaps (median, most frequent)"}


def uploaded_data() -> tuple[Dataset | None, str]:
    """The uploaded table with its column roles, read again whenever the user changes a role or an option.

    The file's bytes stay in the session, so the target, the roles and the options can change at any
    time without uploading again; a file that cannot be used leaves the last good one on screen.
    """
    upload = st.file_uploader(
        "CSV file",
        type=["csv", "txt", "tsv"],
        key="upload",
        help="A table with one row per point and one column to predict. Text, yes/no and ID columns, gaps "
        "and columns on different scales are all fine: each column gets a role, shown below.",
        max_upload_size=max(1, LIMITS.max_upload_bytes // (1024 * 1024)),
    )
    state = st.session_state
    if "upload_from_link" not in state:
        # The first time this session shows the upload: an address that already says "csv" was not written by
        # this session, so the page came from a link or reconnected to this server after another one stopped.
        state.upload_from_link = st.query_params.get("source") == SOURCE_IN_ADDRESS[SOURCES[1]]
    to_address("source", SOURCE_IN_ADDRESS[SOURCES[1]])
    if upload is not None:
        raw = upload.getvalue()
        digest = hashlib.sha1(raw).hexdigest()[:12]
        if state.get("upload_file", (None, None, None))[2] != digest:
            state.upload_file = (upload.name, raw, digest)
            state.upload_roles = {}
            state.pop("upload_target", None)
    if "upload_file" not in state and state.upload_from_link:
        st.warning(
            "Upload your CSV file again: this page's settings came back from its address, but an uploaded "
            "file stays only with the server session that received it (the server may have restarted, or "
            "this is a link). Until then the page shows the built-in data set chosen below.",
            icon=":material/upload_file:",
        )
        return None, ""
    if "upload_file" not in state:
        st.info(
            "Upload a CSV file to train on your own data. Until then the page shows the built-in data set "
            "chosen below.",
            icon=":material/upload_file:",
        )
        return None, ""
    name, raw, digest = state.upload_file
    c1, c2 = st.columns(2)
    c1.radio("Rows with gaps", list(MISSING_CHOICES), key="missing", format_func=MISSING_CHOICES.get)
    c2.number_input(
        "Most categories",
        2,
        200,
        value=DEFAULT_MAX_CATEGORIES,
        key="max_categories",
        help="A text column with up to this many different values becomes one 0/1 column per value; "
        "one with more is left out (raise this to use it).",
    )
    try:
        data = read_upload(raw, name, state.get("upload_target"), state.get("upload_roles", {}))
    except DataError as exc:
        st.error(literal(f"{name}: {exc}"))
        target_picker(file_columns(raw))
        good = state.get("good_upload")
        if good is None:
            st.caption("Until the file can be used, the page shows the built-in data set chosen below.")
            return None, ""
        st.caption(literal(f"Still showing the last file that worked, {good[0].name}."))
        return good
    key = f"upload|{digest}|{data.target_name}|{sorted(state.get('upload_roles', {}).items())}|{state.missing}|"
    key += str(state.max_categories)
    state.good_upload = (data, key)
    target_picker(file_columns(raw), data.target_name)
    roles_editor(data)
    return data, key


def read_upload(raw: bytes, name: str, target: str | None, roles: dict) -> Dataset:
    """The upload read with the user's target, roles and options; cached per session by all of them."""
    state = st.session_state
    options = {"missing": state.get("missing", "drop"), "max_categories": int(state.get("max_categories", 10))}
    cache_key = (hashlib.sha1(raw).hexdigest(), target, tuple(sorted(roles.items())), tuple(options.items()))
    cached = state.setdefault("upload_reads", {})
    if cache_key in cached:
        return cached[cache_key]
    data = read_csv(raw, target=target, limits=LIMITS, name=name, **options)
    forced = {c for c, role in roles.items() if role == "feature"}
    dropped = {c for c, role in roles.items() if role == "left out"}
    if forced or dropped:
        inferred = [c.name for c in data.table.plan.features]
        features = [c for c in inferred if c not in dropped] + sorted(forced - set(inferred) - {data.target_name})
        data = read_csv(raw, target=data.target_name, features=features, limits=LIMITS, name=name, **options)
    cached.clear()  # one table per session: a million-row upload is large
    cached[cache_key] = data
    return data


def file_columns(raw: bytes) -> tuple[str, ...]:
    """The file's column names (kept per session for the file on screen), or none if not even they can be read."""
    state = st.session_state
    digest = hashlib.sha1(raw).hexdigest()
    if state.get("upload_columns", (None, ()))[0] != digest:
        try:
            names = tuple(read_raw(raw, limits=LIMITS).names)
        except DataError:
            names = ()
        state.upload_columns = (digest, names)
    return state.upload_columns[1]


def target_picker(columns, current: str | None = None) -> None:
    """The column to predict, changeable at any time; the table is read again with it."""
    if not columns:
        return
    state = st.session_state
    if state.get("upload_target") not in columns:
        state.upload_target = current if current in columns else None
    index = list(columns).index(state.upload_target) if state.upload_target in columns else None
    st.selectbox(
        "Target column",
        columns,
        index=index,
        key="target",
        on_change=_target_changed,
        help="The column that holds the class of each row; the other columns' roles are shown below.",
    )


def _target_changed() -> None:
    state = st.session_state
    state.upload_target = state.target
    state.upload_roles.pop(state.target, None)


def roles_editor(data: Dataset) -> None:
    """Every column, the kind of values found in it, its role and why; the role column can be changed."""
    plan = data.table.plan.frame() if data.table is not None else None
    if plan is None:
        return
    state = st.session_state
    state.roles_shown = plan
    st.caption("Each column's role: change a role to use a column, leave it out, or make it the target.")
    # A new key whenever the roles change: the editor then starts from the table as read, not replaying
    # its previous edits onto it.
    key = "roles_" + hashlib.sha1(repr((data.target_name, tuple(plan["role"]))).encode()).hexdigest()[:10]
    st.data_editor(
        plan,
        key=key,
        hide_index=True,
        width="stretch",
        disabled=["column", "kind", "note"],
        column_config={"role": st.column_config.SelectboxColumn("role", options=ROLE_CHOICES, required=True)},
        on_change=_roles_changed,
        args=(key,),
    )
    for note in data.notes:
        st.caption(literal(note))


def _roles_changed(key: str) -> None:
    state = st.session_state
    plan = state.roles_shown
    for row, change in state[key].get("edited_rows", {}).items():
        column, role = plan["column"].iloc[int(row)], change.get("role")
        if role == "target":
            state.upload_target = state.target = column
            state.upload_roles.pop(column, None)
        elif role in ("feature", "left out"):
            state.upload_roles[column] = role


def model_inputs(data: Dataset) -> Dataset:
    """A built-in set of many columns: the user may train on some of them (all by default).

    An uploaded table chooses its inputs through the column roles instead.
    """
    if data.n_features <= 2 or data.table is not None:
        return data
    names = list(data.feature_names)
    state = st.session_state
    keep("inputs")
    if not state.get("inputs") or not set(state.inputs) <= set(names):
        linked = [n for n in st.query_params.get("inputs", "").split(INPUTS_SEPARATOR) if n in names]
        state.inputs = linked or names
    chosen = st.multiselect(
        "Inputs the model uses", names, key="inputs", help="Every input trains by default; remove some to compare."
    )
    remember("inputs")
    to_address("inputs", INPUTS_SEPARATOR.join(chosen) if list(chosen) != names else None)
    if len(chosen) < 1:
        st.warning("Keep at least one input; training on all of them meanwhile.", icon=":material/warning:")
        return data
    return data if list(chosen) == names else data.select_features(chosen)


# Input names may hold commas (iris's "sepal length (cm)" does not, but a table's may); a bar is rarer.
INPUTS_SEPARATOR = "|"


def to_address(key: str, value: str | None) -> None:
    """Keep a choice that is not a setting of its own (it depends on the data) in the page address too."""
    if value is None:
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def chart_axes(data: Dataset) -> tuple[int, int] | None:
    """The two inputs the boundary chart shows (the model trains on all of them); None for a single input."""
    state = st.session_state
    if data.n_features < 2:
        state.axes = None
        st.warning(
            literal(
                f"The model has one input, {data.feature_names[0]}, so there is no boundary to draw on a plane. "
                "Make another column a feature in the roles table to see one."
            ),
            icon=":material/warning:",
        )
        return None
    names = list(data.feature_names)
    if data.n_features == 2:
        state.axes = (0, 1)
        return state.axes
    first, second = default_axes(data.X)
    for key, default in (("fx", names[first]), ("fy", names[second])):
        keep(key)
        if state.get(key) not in names:
            linked = st.query_params.get(key)
            state[key] = linked if linked in names else default
    c1, c2 = st.columns(2)
    fx = c1.selectbox("Chart: x axis", names, key="fx", help="The input along the boundary chart's x axis.")
    fy = c2.selectbox("Chart: y axis", names, key="fy", help="The input along the boundary chart's y axis.")
    remember("fx", "fy")
    to_address("fx", fx)
    to_address("fy", fy)
    if fx == fy:
        st.warning("Pick two different inputs; using the next one for the y axis.", icon=":material/warning:")
        fy = names[(names.index(fx) + 1) % len(names)]
    st.caption(
        f"The model trains on all {len(names)} inputs; the chart shows the plane of these two, the others "
        "held at typical values (the chart says which)."
    )
    state.axes = (names.index(fx), names.index(fy))
    return state.axes


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
    table_key = table_key_for(data, data_key)
    latest = st.session_state.get("table_latest", {}).get(table_key)
    if latest is None or data.n_samples > EDITABLE_ROWS or table_key in st.session_state.get("table_unedited", ()):
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
    if table_key in latest and not edited.equals(latest[table_key]):
        # A table edit is one step of the same history as a click on the chart: Undo takes back the last
        # change, whichever it was, never a click together with the edits made after it.
        push_undo(table_key, latest[table_key])
    latest[table_key] = edited
    unedited = edited.equals(original)
    forget_unedited_tables(table_key, unedited)
    if unedited:
        return data  # as read: an uploaded table keeps its column roles, refitted on each training part
    if data.table is not None:
        st.caption(
            "Edited: the model trains on the inputs as shown here, prepared from the whole file (text already "
            "turned into 0/1 inputs, gaps already handled)."
        )
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
    if table_key in latest:
        push_undo(table_key, latest[table_key])
    latest[table_key] = frame
    versions = state.setdefault("table_versions", {})
    versions[table_key] = versions.get(table_key, 0) + 1
    state.setdefault("table_unedited", set()).discard(table_key)


def push_undo(table_key: str, frame) -> None:
    history = st.session_state.setdefault("table_undo", {}).setdefault(table_key, [])
    history.append(frame)
    del history[:-UNDO_STEPS]


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
        help="Take back the last change: a point added or removed on the chart, or an edit in the table.",
    )
    features = [c for c in frame.columns if c != target]
    st.plotly_chart(
        spec_once(editable_boundary_figure(result, frame, target)),
        key="data_click",
        on_select=partial(chart_clicked, table_key, target, features),
        selection_mode="points",
        width="stretch",
        theme=None,
        config=CHART_CONFIG,
    )
