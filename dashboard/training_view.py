"""The Training tab: the run's numbers, curves, boundary, formulas, downloads."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from cedash.plots import insight_figures, training_figures
from cedash.plots.play import play_figures
from cedash.runs import export
from cedash.runs.advice import run_hints, too_big_rate
from cedash.runs.pointwise import confusion
from dashboard import explain
from dashboard.cached_runs import best_possible
from dashboard.run_cache import fingerprint
from dashboard.state import apply_change, chart, first_page_drawn, run_cache, widget

# Both main charts at this height fit a 1366x768 screen under the title, tabs and summary line.
CHART_HEIGHT = 430
# Cells a side of the boundary's probability map: every change redraws it, and at 64 a side the map is less
# than half of 100's bytes and drawing time while the 0.5 line stays smooth.
BOUNDARY_RESOLUTION = 64


def multiclass_extras(result) -> None:
    part = result.test if result.test is not None else result.train
    matrix = confusion(part.y, result.model.predict(result.feature_map.transform(part.X)), result.classes)
    which = "test" if result.test is not None else "training"
    title = f"Confusion matrix ({which} points)"
    chart(insight_figures.confusion_figure(matrix, result.classes, title), "confusion_chart")
    cols = st.columns(min(3, len(result.classes)))
    axes = st.session_state.get("axes")
    if axes is None:
        return
    for i, fig in enumerate(insight_figures.class_probability_figures(result, axes=axes)):
        chart(fig, f"class_map_{i}", cols[i % len(cols)])
    st.caption(
        "The confusion matrix counts points by true class (rows) and predicted class (columns); the maps "
        "show the probability of each class over the plane."
    )


def run_facts(result, result_key) -> tuple[dict, list]:
    """The run's numbers and hints, which score every point again: once per run, not on every rerun showing it."""
    return run_cache().get_or_compute(("facts", result_key), lambda: (result.summary(), run_hints(result)))[0]


def hints(found) -> None:
    """What held this run back (``found``), in plain words, each with a button that makes the change it suggests."""
    for i, hint in enumerate(found):
        box = st.container(border=True, key=f"hint_{hint.kind}")
        box.markdown(f":material/lightbulb: {hint.text}")
        box.button(hint.action, key=f"hint_button_{i}", on_click=apply_change, args=(hint.change,))


def show_too_big_rate(data, config) -> None:
    rate = run_cache().get_or_compute(
        ("too big", fingerprint(data), replace(config, learning_rate=0.0)), lambda: too_big_rate(data, config)
    )[0]
    if rate is None:
        st.session_state.too_big_note = (
            "No learning rate up to 1000 makes the loss climb on this data: every step still goes downhill."
        )
        return
    apply_change({"lr": rate})
    st.session_state.too_big_note = (
        f"Learning rate {rate:g} is the smallest on the slider at which the loss climbs above where it started: "
        "look at the loss curve jumping."
    )


def summary_line(summary: dict) -> str:
    """The run's numbers in one line of text, which stays one or two lines on a phone."""
    parts = [f"**Loss** {summary['train_loss']:.4f} train"]
    if "test_loss" in summary:
        parts[-1] += f", {summary['test_loss']:.4f} test"
    accuracy = f"**Accuracy** {summary['train_accuracy']:.0%} train"
    if "test_accuracy" in summary:
        accuracy += f", {summary['test_accuracy']:.0%} test"
    parts += [accuracy, f"**Iterations** {summary['n_iter']:,}"]
    return " · ".join(parts)


def summary_details(summary: dict) -> str:
    """What the summary line's numbers mean, to one more decimal, and how long the fit took: its tooltip."""
    test = "test_loss" in summary
    lines = [
        "**Loss**: the mean cross-entropy on the training points"
        + (" and on the held-out test points (never trained on)." if test else "."),
        f"Train loss {summary['train_loss']:.6f}" + (f", test loss {summary['test_loss']:.6f}." if test else "."),
        f"**Accuracy**: the share of points on their class's side of the boundary, {summary['train_accuracy']:.1%} "
        "train" + (f" and {summary['test_accuracy']:.1%} test." if "test_accuracy" in summary else "."),
        f"Fitted in {summary['fit_seconds'] * 1000:.0f} ms.",
    ]
    return "\n\n".join(lines)


def boundary_chart(result, axes):
    fig = training_figures.boundary_figure(result, resolution=BOUNDARY_RESOLUTION, axes=axes)
    fig.layout.height = CHART_HEIGHT
    return fig


def loss_chart(result, log_y: bool, best):
    fig = training_figures.loss_figure(result, log_y=log_y, optimum=best)
    fig.layout.height = CHART_HEIGHT
    return fig


def demo_row(result, data, found, disabled: bool) -> bool:
    """The row above the charts: the Play switch, "Show me a learning rate that is too big", and each hint's button.

    These are a demo's moves, and their results are watched in the charts just below. The hints' boxes come
    after the charts and their captions, below the first screen of a laptop; each hint's button is here too,
    with the hint as its tooltip.
    """
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="play_row"):
        playing = widget(st.toggle, "play", disabled=disabled)
        st.button(
            "Show me a learning rate that is too big",
            key="too_big",
            icon=":material/trending_up:",
            help="Finds the smallest learning rate on the slider at which this training goes wrong, and uses it.",
            on_click=show_too_big_rate,
            args=(data, result.config),
        )
        for hint in found:
            st.button(
                hint.action,
                key=f"hint_now_{hint.kind}",
                icon=":material/lightbulb:",
                help=hint.text,
                on_click=apply_change,
                args=(hint.change,),
            )
    # What the "too big" button just did, in view with the charts it changed: one line of caption, so that both
    # charts stay whole on a laptop's first screen.
    note = st.session_state.pop("too_big_note", None)
    if note:
        st.caption(f":material/info: {note}")
    return playing


def main_charts(result, result_key, data, found=()) -> None:
    """The boundary and the loss side by side, or, with Play on, the same two animated in one figure."""
    axes = st.session_state.get("axes")
    playing = demo_row(result, data, found, disabled=axes is None)
    if playing and axes is not None:
        # Side by side on a wide screen, stacked on a phone: the page shows the one that fits (state.PAGE_CSS).
        both = run_cache().get_or_compute(("play", result_key, axes), lambda: play_figures(result, axes=axes))[0]
        for stacked, key in ((False, "play_chart"), (True, "play_chart_phone")):
            chart(both[stacked], key)
        st.caption(explain.CAPTIONS["play"])
        return
    log_y = st.session_state.get("logy", False)
    # Side by side and of one height, so that both are whole on a 1366x768 screen; on a phone the
    # columns stack and the boundary comes first.
    left, right = st.columns([11, 10])
    with left:
        if axes is None:
            st.info("With a single input there is no plane to draw: the loss and the weights tell the story.")
        else:
            # Cached like the Play figure: a tab switch, a pin or a toggle redraws the same run's figures.
            boundary = run_cache().get_or_compute(("boundary", result_key, axes), lambda: boundary_chart(result, axes))[
                0
            ]
            chart(boundary, "boundary_chart")
    # After the boundary is sent: scikit-learn's solver is the slowest part of a new server's first page.
    optimum = best_possible(result, result_key)
    best = optimum.loss if optimum is not None and optimum.note is None else None
    loss = run_cache().get_or_compute(("loss", result_key, log_y, best), lambda: loss_chart(result, log_y, best))[0]
    with right:
        chart(loss, "loss_chart")
    # With more than two classes there is no single 50/50 line: each class's region is shaded instead.
    regions = explain.CAPTIONS["boundary" if len(result.classes) == 2 else "regions"]
    st.caption(regions + " " + explain.CAPTIONS["loss"])
    if best is not None:
        found = run_facts(result, result_key)[1]
        st.caption(explain.optimum_caption(result.loss_curve[-1], best, {h.kind for h in found}))
    elif optimum is not None:
        st.caption(f"Best possible loss: {optimum.note}.")


def accuracy(result) -> None:
    """Accuracy per iteration, drawn only when opened: every change would redraw it, below the first screen."""
    box = st.expander("Accuracy per iteration", key="accuracy", on_change="rerun")
    if box.open:
        with box:
            chart(training_figures.accuracy_figure(result), "accuracy_chart")
            st.caption(explain.CAPTIONS["accuracy"])


def weights_table(result) -> None:
    """Each input's weight, largest first: per standard deviation (to compare inputs) and per unit (to read one)."""
    if result.feature_map.added_features_:
        return  # with polynomial terms a weight belongs to a product of inputs, not to one column
    # Built only when opened, like the maths below: a table costs the page time on every change.
    box = st.expander("Weights: how much each input pushes the prediction", key="weights", on_change="rerun")
    if not box.open:
        return
    table = result.weights().rename(
        columns={"class": "toward class", "standardized": "per standard deviation", "per_unit": "per unit of the input"}
    )
    with box:
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(
            "A positive weight pushes towards the class named; per standard deviation compares inputs with each "
            "other, per unit reads one input on its own scale (for a 0/1 input: having that value)."
        )


def maths(result) -> None:
    # Built only when opened, and the downloads only when clicked: each costs the page time on every change.
    box = st.expander("The maths of this run", key="maths", on_change="rerun")
    if box.open:
        with box:
            st.markdown("The loss the model minimises, with its current value:")
            st.latex(explain.loss_latex(result))
            st.markdown("One step of the optimiser:")
            st.latex(explain.update_latex(result))


def show_results(result, result_key, data) -> None:
    summary, found = run_facts(result, result_key)
    # One line of numbers rather than a row of six metric boxes that repeated it: the page redraws each element
    # on every change, and those were 13 of its 78 (bench_app.py: about 40 ms a change); on a phone they took a
    # screenful.
    st.markdown(summary_line(summary), help=summary_details(summary))
    message = explain.divergence_message(result)
    if message:
        st.warning(message, icon=":material/warning:")
    main_charts(result, result_key, data, found)
    hints(found)

    widget(st.toggle, "logy")
    accuracy(result)
    if len(result.classes) > 2:
        multiclass_extras(result)
    weights_table(result)
    if result.feature_map.added_features_:
        st.caption("Features added by the degree setting: " + ", ".join(result.feature_map.added_features_))

    maths(result)
    downloads(result)
    first_page_drawn()


def downloads(result) -> None:
    st.markdown("**Downloads**")
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        "Model (JSON)",
        lambda: export.model_json(result),
        "cedash-model.json",
        "application/json",
        help="Classes, coefficients, intercept and every setting.",
        key="dl_model",
        on_click="ignore",
    )
    d2.download_button(
        "Loss history (CSV)",
        lambda: export.history_csv(result),
        "cedash-history.csv",
        "text/csv",
        help="The loss at every iteration.",
        key="dl_history",
        on_click="ignore",
    )
    d3.download_button(
        "Data (CSV)",
        lambda: export.dataset_csv(result.all_data()),
        "cedash-data.csv",
        "text/csv",
        help="The data as edited, train and test together.",
        key="dl_data",
        on_click="ignore",
    )
