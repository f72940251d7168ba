"""The dashboard's wiring, through Streamlit's AppTest: every path, no exception on any of them."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_helpers import all_finite, assert_clean, figure_bytes, figures, new_app, texts

from cedash.data.builtin_datasets import dataset_names
from cedash.plots.play import frame_iterations
from dashboard.learning_views import REPLAY_FRAMES
from dashboard.settings import SETTINGS
from dashboard.training_view import BOUNDARY_RESOLUTION

GOOD_CSV = b"height,weight,species\n1.0,2.0,cat\n1.2,1.9,cat\n0.8,2.2,cat\n1.1,2.1,cat\n" + b"".join(
    f"{3 + i * 0.1},{5 - i * 0.1},dog\n".encode() for i in range(6)
)


@pytest.fixture
def app():
    at = new_app()
    at.run()
    assert_clean(at)
    return at


def test_default_page_shows_every_chart_and_its_numbers(app):
    figs = figures(app)
    # Accuracy per iteration is drawn when its expander opens (below).
    assert set(figs) == {"Loss per iteration", "Decision boundary"}
    loss = figs["Loss per iteration"]
    train = loss["data"][0]
    assert train["type"] == "scatter" and train["name"] == "train"
    assert len(train["y"]) == SETTINGS["iters"].default + 1
    assert train["y"][0] == pytest.approx(np.log(2))
    assert loss["data"][1]["name"] == "test"
    assert "iteration" in train["hovertemplate"] and "loss" in train["hovertemplate"]
    boundary = figs["Decision boundary"]
    kinds = [t["type"] for t in boundary["data"]]
    assert kinds[0] == "heatmap" and boundary["data"][1]["name"] == "P = 0.5"
    assert np.shape(boundary["data"][0]["z"]) == (BOUNDARY_RESOLUTION, BOUNDARY_RESOLUTION)
    n_points = sum(len(t["x"]) for t in boundary["data"] if t.get("mode") == "markers" and "misclass" not in t["name"])
    assert n_points == SETTINGS["n"].default
    # The numbers are one line of text above the charts, with their meaning and more digits in its tooltip.
    assert not app.metric
    line = next(m for m in app.markdown if m.value.startswith("**Loss**"))
    assert "**Iterations** 500" in line.value
    train_loss = float(loss["data"][0]["y"][-1])
    assert f"**Loss** {train_loss:.4f} train" in line.value
    assert f"Train loss {train_loss:.6f}" in line.help and "Fitted in" in line.help and "Accuracy" in line.help
    assert all(all_finite(f) for f in figs.values())
    assert not app.latex  # the maths are built when their expander opens
    app.session_state["maths"] = True
    app.session_state["accuracy"] = True
    app.run()
    assert len(app.latex) == 2 and "L(w)" in app.latex[0].value
    accuracy = figures(app)["Accuracy per iteration"]["data"][0]
    assert accuracy["name"] == "train" and 0 <= min(accuracy["y"]) <= max(accuracy["y"]) <= 1
    assert figure_bytes(app) < 500_000
    # The optimum is the dashed line on the loss chart, and the caption says how far this run ended above it.
    best = float(loss["layout"]["shapes"][0]["y0"])
    note = next(c for c in texts(app.caption) if c.startswith("Dashed line"))
    gap = train["y"][-1] - best
    assert f"{best:.4g}" in note and (f"{gap:.2g} above it" in note if gap > 1e-6 else "at the optimum" in note)


@pytest.mark.parametrize("name", dataset_names())
def test_every_builtin_data_set_trains_and_draws(name):
    at = new_app()
    at.run()
    at.selectbox(key="dataset").set_value(name).run()
    assert_clean(at)
    figs = figures(at)
    boundary = figs["Decision boundary"]
    heatmaps = [t for t in boundary["data"] if t["type"] == "heatmap"]
    n_classes = {"three blobs": 3, "iris": 3, "wine": 3}.get(name, 2)
    assert len(heatmaps) == (1 if n_classes == 2 else n_classes)
    assert all(all_finite(f) for f in figs.values())


def test_bundled_sets_let_the_user_pick_two_features():
    at = new_app({"dataset": "iris"})
    at.run()
    assert at.selectbox(key="fx").value == "sepal length (cm)"
    at.selectbox(key="fx").set_value("petal length (cm)").run()
    at.selectbox(key="fy").set_value("petal width (cm)").run()
    assert_clean(at)
    boundary = figures(at)["Decision boundary"]
    assert boundary["layout"]["xaxis"]["title"]["text"] == "petal length (cm)"
    assert boundary["layout"]["yaxis"]["title"]["text"] == "petal width (cm)"


def test_good_upload_replaces_the_data():
    at = new_app()
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    at.file_uploader(key="upload").upload("pets.csv", GOOD_CSV, "text/csv").run()
    assert_clean(at)
    assert at.selectbox(key="target").value == "species"
    boundary = figures(at)["Decision boundary"]
    assert boundary["layout"]["xaxis"]["title"]["text"] == "height"
    names = {t["name"] for t in boundary["data"] if t["type"] == "scatter"}
    assert {"train: cat", "train: dog"} <= names
    # The upload survives a change of learning rate.
    at.number_input(key="lr").set_value(0.5).run()
    assert_clean(at)
    assert figures(at)["Decision boundary"]["layout"]["xaxis"]["title"]["text"] == "height"


def test_bad_upload_names_the_problem_and_keeps_the_previous_data():
    at = new_app()
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    at.file_uploader(key="upload").upload("pets.csv", GOOD_CSV, "text/csv").run()
    at.file_uploader(key="upload").clear().run()
    # Text columns are features now (issue 12); a table with a single class still cannot train.
    at.file_uploader(key="upload").upload(
        "broken.csv", b"a,c,b,label\n1,5,x,0\n2,3,y,0\n3,4,x,0\n4,1,y,0\n", "text/csv"
    ).run()
    assert_clean(at)
    errors = " ".join(texts(at.error))
    assert "broken.csv" in errors and "'label'" in errors and "only one class" in errors
    assert figures(at)["Decision boundary"]["layout"]["xaxis"]["title"]["text"] == "height"
    # The target can still be picked after the failure, and a good choice trains the file.
    assert at.selectbox(key="target").options == ["a", "c", "b", "label"]
    at.selectbox(key="target").set_value("b").run()
    assert_clean(at)
    assert not at.error
    assert figures(at)["Decision boundary"]["layout"]["xaxis"]["title"]["text"] == "a"


def open_data_tab(at) -> str:
    """Open the Data tab (its table is drawn only there) and return the table's widget key."""
    assert not at.get("dataframe")
    at.session_state["view"] = "Data"
    at.run()
    assert_clean(at)
    assert at.get("dataframe")
    return at.session_state["table_key"]


def test_table_edits_change_the_data_and_survive_other_changes(app):
    key = open_data_tab(app)
    app.session_state[key] = {
        "edited_rows": {0: {"x1": 5.0, "x2": 5.0}},
        "added_rows": [{"x1": -4.0, "x2": -4.0, "label": 1}, {"x1": 4.0, "x2": 4.0, "label": 0}],
        "deleted_rows": [1, 2, 3],
    }
    app.run()
    assert_clean(app)
    # Back on the Training tab the table is not drawn, and its edits still apply.
    app.session_state["view"] = "Training"
    app.run()
    assert_clean(app)
    assert not app.get("dataframe")

    def points(at):
        boundary = figures(at)["Decision boundary"]
        return sum(len(t["x"]) for t in boundary["data"] if t.get("mode") == "markers" and "misclass" not in t["name"])

    assert points(app) == 200 + 2 - 3
    for lr in (0.2, 0.05, 1.0):
        app.number_input(key="lr").set_value(lr).run()
        assert points(app) == 199
    app.toggle(key="standardize").set_value(False).run()
    assert points(app) == 199
    assert_clean(app)


def test_undo_takes_back_table_edits_one_at_a_time(app):
    """Undo takes back the last change, a table edit as much as a click on the chart: before, it jumped back over
    every table edit to the last click, and took the edits made since with it."""
    key = open_data_tab(app)
    table = app.session_state["table_key"]
    first = app.session_state["table_latest"][table].copy()
    app.session_state[key] = {"edited_rows": {0: {"x1": 5.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    app.session_state[key] = {"edited_rows": {0: {"x1": 5.0}, 1: {"x2": 7.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert_clean(app)

    def latest():
        return app.session_state["table_latest"][table]

    assert (latest()["x1"].iloc[0], latest()["x2"].iloc[1]) == (5.0, 7.0)
    app.button(key="undo_edit").click().run()
    assert_clean(app)
    assert (latest()["x1"].iloc[0], latest()["x2"].iloc[1]) == (5.0, first["x2"].iloc[1])
    app.button(key="undo_edit").click().run()
    assert latest().equals(first)
    assert app.button(key="undo_edit").disabled
    # The table on screen is the one Undo went back to, not the editor's old edits replayed.
    assert app.dataframe[0].value.reset_index(drop=True).equals(first.reset_index(drop=True))
    assert_clean(app)


def test_a_session_keeps_edited_tables_and_drops_untouched_ones(app):
    edited_key = open_data_tab(app)
    app.session_state[edited_key] = {"edited_rows": {0: {"x1": 9.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    for name in ("circles", "xor", "two blobs", "spiral"):
        app.selectbox(key="dataset").set_value(name).run()
        assert_clean(app)
        current = app.session_state["table_key"]
        # The edited table and the one on screen: nothing else is kept.
        assert set(app.session_state["table_bases"]) == {edited_key, current}
        assert set(app.session_state["table_latest"]) == {edited_key, current}
    app.selectbox(key="dataset").set_value(SETTINGS["dataset"].default).run()
    assert app.session_state["table_key"] == edited_key
    assert app.session_state["table_latest"][edited_key]["x1"].iloc[0] == 9.0


def test_half_typed_row_is_left_out_with_a_note(app):
    key = open_data_tab(app)
    app.session_state[key] = {"edited_rows": {}, "added_rows": [{"x1": 1.0}], "deleted_rows": []}
    app.run()
    assert_clean(app)
    assert any("incomplete row" in c for c in texts(app.caption))


@pytest.mark.parametrize("optimizer", SETTINGS["optimizer"].choices)
def test_each_optimizer(app, optimizer):
    app.session_state["maths"] = True
    app.selectbox(key="optimizer").set_value(optimizer).run()
    assert_clean(app)
    loss = figures(app)["Loss per iteration"]["data"][0]["y"]
    assert loss[-1] < loss[0]
    marker = {"gd": r"w - \eta\,\nabla L(w)", "momentum": r"w - \eta\, v", "nesterov": r"+ \mu v)", "adam": r"\beta_1"}[
        optimizer
    ]
    assert marker in app.latex[1].value


def test_minibatch_setting(app):
    app.number_input(key="batch").set_value(16).run()
    assert_clean(app)
    assert len(figures(app)["Loss per iteration"]["data"][0]["y"]) == 501


def test_divergence_warns_and_charts_stay_finite():
    at = new_app({"dataset": "article example", "lr": "10", "standardize": "false", "degree": "4", "test": "0"})
    at.run()
    assert_clean(at)
    warnings = " ".join(texts(at.warning))
    assert "diverged at iteration" in warnings and "smaller learning rate" in warnings
    figs = figures(at)
    assert all(all_finite(f) for f in figs.values())
    curve = figs["Loss per iteration"]["data"][0]["y"]
    assert len(curve) < 501


def test_url_parameters_open_those_settings():
    at = new_app({"dataset": "moons", "lr": "0.5", "iters": "300", "optimizer": "adam", "degree": "3"})
    at.run()
    assert_clean(at)
    assert at.selectbox(key="dataset").value == "moons"
    assert at.number_input(key="lr").value == 0.5
    assert at.select_slider(key="lr_scale").value == 0.5
    assert at.number_input(key="iters").value == 300
    assert at.selectbox(key="optimizer").value == "adam"
    assert at.slider(key="degree").value == 3
    assert len(figures(at)["Loss per iteration"]["data"][0]["y"]) == 301
    assert not at.warning


def test_a_view_from_the_url_opens_that_tab_and_an_unknown_one_gets_a_note():
    at = new_app({"view": "Replay"})
    at.run()
    assert_clean(at)
    assert at.session_state["view"] == "Replay" and not at.warning
    at = new_app({"view": "Repaly"})
    at.run()
    assert_clean(at)
    assert at.session_state["view"] == "Training"
    assert texts(at.warning) == ["View 'Repaly' from the link does not exist, so the Training tab is shown."]


def test_url_values_are_clamped_with_a_note():
    at = new_app({"iters": str(10**12), "lr": "abc", "degree": "-3"})
    at.run()
    assert_clean(at)
    assert at.number_input(key="iters").value == SETTINGS["iters"].high
    assert at.number_input(key="lr").value == SETTINGS["lr"].default
    assert at.slider(key="degree").value == 1
    notes = " ".join(texts(at.warning))
    assert "Iterations" in notes and "maximum" in notes
    assert "Learning rate 'abc'" in notes
    assert "Feature degree" in notes and "minimum" in notes


def test_learning_rate_slider_and_box_stay_in_step(app):
    app.select_slider(key="lr_scale").set_value(2.0).run()
    assert app.number_input(key="lr").value == 2.0
    app.number_input(key="lr").set_value(0.0031).run()
    assert app.select_slider(key="lr_scale").value == 0.002
    assert_clean(app)


def test_going_back_to_a_setting_is_served_from_the_cache(app):
    first = figures(app)["Loss per iteration"]["data"][0]["y"]
    app.number_input(key="lr").set_value(0.3).run()
    assert app.session_state["last_run_cached"] is False
    app.number_input(key="lr").set_value(0.1).run()
    assert app.session_state["last_run_cached"] is True
    np.testing.assert_array_equal(first, figures(app)["Loss per iteration"]["data"][0]["y"])


def test_downloads_are_offered(app):
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["Model (JSON)", "Loss history (CSV)", "Data (CSV)"]


def test_every_widget_has_a_tooltip(app):
    kinds = ("selectbox", "number_input", "slider", "select_slider", "toggle", "radio")
    for kind in kinds:
        for w in getattr(app, kind):
            assert w.help, f"{kind} {w.label!r} has no tooltip"


def open_tab(at, name):
    at.session_state["view"] = name
    at.run()
    assert_clean(at)
    return figures(at)


def test_only_the_open_tab_builds_its_figures(app):
    assert "Loss landscape" not in figures(app)
    figs = open_tab(app, "Landscape")
    assert "Loss landscape" in figs and "Decision boundary" not in figs


def test_replay_redraws_boundary_loss_marker_and_weights_at_an_iteration(app):
    figs = open_tab(app, "Replay")
    assert app.slider(key="replay_iter").value == 500
    app.slider(key="replay_iter").set_value(0).run()
    assert_clean(app)
    figs = figures(app)
    np.testing.assert_allclose(figs["Decision boundary"]["data"][0]["z"], 0.5, atol=1e-6)
    marker = figs["Loss per iteration"]["data"][-1]
    assert marker["name"] == "now" and list(marker["x"]) == [0]
    assert "Weights at iteration 0" in figs
    app.slider(key="replay_iter").set_value(250).run()
    assert "Weights at iteration 250" in figures(app)
    # Moving the slider does not retrain: the run comes from the cache.
    assert app.session_state["last_run_cached"] is True
    app.slider(key="replay_iter").set_value(0).run()
    app.button(key="replay_play").click().run()
    assert app.session_state["replay_playing"] is True
    assert_clean(app)
    # Each tick of the player shows the next of Play's log-spaced iterations, to the last, and stops there.
    shown = [app.session_state["replay_iter"]]
    while app.session_state["replay_playing"] and len(shown) < 100:
        app.run()
        shown.append(app.session_state["replay_iter"])
    assert shown[0] > 0 and shown == sorted(shown) and shown[-1] == 500
    assert set(shown) <= set(frame_iterations(500, REPLAY_FRAMES).tolist()) and len(set(shown)) <= REPLAY_FRAMES
    assert shown[len(shown) // 2] < 100, shown  # half the frames in the first fifth: where the model changes
    assert_clean(app)


@pytest.mark.slow
@pytest.mark.parametrize("order", ["forward", "backward", "zigzag"])
def test_every_tab_after_every_other_stays_clean(order):
    # Widgets of a tab lose their state while another tab is open; a view that reads them must cope.
    views = ["Training", "Replay", "Landscape", "Points", "Optimisers", "Compare", "Sweep", "Data"]
    sequence = {"forward": views * 2, "backward": views[::-1] * 2, "zigzag": [v for w in views for v in (w, "Replay")]}
    at = new_app()
    at.run()
    for change_lr in (False, True):
        for view in sequence[order]:
            at.session_state["view"] = view
            at.run()
            assert_clean(at)
            if change_lr:
                at.number_input(key="lr").set_value(0.2 if at.number_input(key="lr").value != 0.2 else 0.3).run()
                assert_clean(at)


def test_replay_position_is_kept_while_other_tabs_are_open(app):
    open_tab(app, "Replay")
    app.slider(key="replay_iter").set_value(120).run()
    for view in ("Landscape", "Points", "Training", "Points"):
        figs = open_tab(app, view)
    assert "iteration 120" in " ".join(texts(app.caption))
    figs = open_tab(app, "Replay")
    assert "Weights at iteration 120" in figs


def test_replay_starts_at_the_end_when_its_kept_position_is_past_the_run(app):
    # Under load a page once came back to Replay with the position of a longer run (1400 of 1300 iterations)
    # and the slider refused it: "Something went wrong". A kept position past the end now starts at the end.
    open_tab(app, "Replay")
    open_tab(app, "Training")
    app.session_state["_kept_replay_iter"] = 900
    figs = open_tab(app, "Replay")
    assert_clean(app)
    assert app.slider(key="replay_iter").value == 500
    assert "Weights at iteration 500" in figs


def test_landscape_draws_the_path_over_two_chosen_weights(app):
    figs = open_tab(app, "Landscape")
    land = figs["Loss landscape"]
    assert land["data"][0]["type"] == "contour"
    assert land["layout"]["xaxis"]["title"]["text"] == "weight of x1"
    names = [t.get("name") for t in land["data"]]
    assert "gradient descent: start" in names and "gradient descent: end" in names
    app.selectbox(key="land_b").set_value("intercept").run()
    assert_clean(app)
    assert figures(app)["Loss landscape"]["layout"]["yaxis"]["title"]["text"] == "intercept"


def test_points_tab_shows_per_point_loss(app):
    figs = open_tab(app, "Points")
    bars = figs["Loss of each point, largest first"]["data"][0]["y"]
    assert len(bars) == 150 and np.all(np.diff(bars) <= 0)
    assert "What each point costs: −log p" in figs


def test_optimiser_race(app):
    figs = open_tab(app, "Optimisers")
    race = figs["Optimiser race: loss per iteration"]
    assert [t["name"] for t in race["data"]] == ["gradient descent", "momentum", "Nesterov", "Adam"]
    paths = figs["Optimiser race: paths on the loss landscape"]
    assert {"gradient descent", "momentum", "Nesterov", "Adam"} <= {t.get("name") for t in paths["data"]}
    gap = figs["Gap to the optimum"]
    assert [t["name"] for t in gap["data"]] == ["gradient descent", "momentum", "Nesterov", "Adam"]
    assert gap["layout"]["yaxis"]["type"] == "log"
    # Each curve is that optimiser's loss minus the same optimum, so gd's gap is the race's gd curve shifted.
    shift = np.asarray(race["data"][0]["y"]) - np.asarray(gap["data"][0]["y"])
    assert np.ptp(shift) < 1e-9 and 0.2 < shift[0] < 0.4


def test_pinned_runs_are_compared_and_survive_reruns(app):
    open_tab(app, "Compare")
    app.button(key="pin").click().run()
    app.number_input(key="lr").set_value(1.0).run()
    app.button(key="pin").click().run()
    app.run()  # a rerun with nothing changed
    app.selectbox(key="optimizer").set_value("adam").run()  # and a change of setting
    assert_clean(app)
    assert len(app.session_state["pinned"]) == 2
    figs = figures(app)
    names = [t["name"] for t in figs["Loss per iteration, runs compared"]["data"]]
    assert names == [
        "moons: gradient descent, lr 0.1, 500 it",
        "moons: gradient descent, lr 1, 500 it",
        "now: moons: Adam, lr 1, 500 it",
    ]
    table = app.dataframe[0].value
    assert list(table["learning rate"]) == [0.1, 1.0, 1.0]
    assert list(table["optimiser"]) == ["gradient descent", "gradient descent", "Adam"]
    first = next(iter(app.session_state["pinned"]))
    app.button(key=f"unpin_{first}").click().run()
    assert len(app.session_state["pinned"]) == 1
    assert_clean(app)


def test_sweep_trains_many_rates_and_offers_the_best(app):
    open_tab(app, "Sweep")
    app.button(key="run_sweep").click().run()
    assert_clean(app)
    figs = figures(app)
    final = figs["Learning-rate sweep: final loss"]
    assert len(final["data"][0]["x"]) + len(final["data"][1]["x"] if len(final["data"]) > 2 else []) <= 12
    assert len(figs["Learning-rate sweep: loss curves"]["data"]) >= 12
    success = app.success[0].value
    assert success.startswith("Suggested learning rate:") and "gets there fastest" in success
    app.button(key="use_best").click().run()
    suggested = float(success.split(":")[1].split(". ")[0])
    assert app.number_input(key="lr").value == pytest.approx(suggested)
    # The sweep stays on screen, with the page's rate now marked on it.
    after = figures(app)["Learning-rate sweep: final loss"]
    assert any(s.get("x0") == pytest.approx(suggested) for s in after["layout"].get("shapes", []))
    assert app.success[0].value == success
    assert not [t for t in texts(app.caption) if "settings changed since the last sweep" in t]


def test_multiclass_shows_confusion_matrix_and_class_maps():
    at = new_app({"dataset": "three blobs", "noise": "0.6"})
    at.run()
    assert_clean(at)
    figs = figures(at)
    matrix = np.asarray(figs["Confusion matrix (test points)"]["data"][0]["z"])
    assert matrix.shape == (3, 3) and matrix.sum() == 50
    assert {"P(0)", "P(1)", "P(2)"} <= set(figs)
