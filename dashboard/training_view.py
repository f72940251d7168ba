"""The model settings, the training run, and the Training tab: metrics, curves, boundary, formulas, downloads."""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from cedash.config import RunConfig
from cedash.data.dataset import Dataset
from cedash.plots import insight_figures, training_figures
from cedash.runs import export
from cedash.runs.experiment import run
from cedash.runs.optimum import run_optimum
from cedash.runs.pointwise import confusion
from dashboard import explain
from dashboard.run_cache import fingerprint
from dashboard.settings import LEARNING_RATE_SCALE, SETTINGS

from .state import LIMITS, chart, run_cache, sync_lr_from_scale, sync_scale_from_lr, widget

OPTIMUM_MAX_ROWS = 50_000


def best_possible(result, result_key):
    """scikit-learn's optimum for this run's data, features and penalty (cached), or None for big data."""
    if result.train.n_samples > OPTIMUM_MAX_ROWS:
        return None
    # The optimum depends on the data, features and penalty, not on how the descent is run.
    problem = replace(result.config, learning_rate=0.0, max_iter=0, optimizer="gd", batch_size=None, momentum=0.0)
    return run_cache().get_or_compute(("optimum", result_key[0], problem), lambda: run_optimum(result))[0]


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
    """The run for this data and these settings: from the cache, or trained now with a progress bar."""
    key = (fingerprint(data), config)
    bar = st.empty()
    start = time.perf_counter()
    shown = [0.0]

    # Each bar update is a message to the browser: quick fits show none, long ones ten a second at most.
    def progress(iteration, loss):
        now = time.perf_counter() - start
        if now > 0.2 and now - shown[0] >= 0.1:
            shown[0] = now
            bar.progress(iteration / config.max_iter, text=f"Training: iteration {iteration:,}, loss {loss:.4g}")

    result, cached = run_cache().get_or_compute(key, lambda: run(data, config, callback=progress, limits=LIMITS))
    st.session_state.last_run_cached = cached
    bar.empty()
    return result, key


def multiclass_extras(result) -> None:
    part = result.test if result.test is not None else result.train
    matrix = confusion(part.y, result.model.predict(result.feature_map.transform(part.X)), result.classes)
    which = "test" if result.test is not None else "training"
    title = f"Confusion matrix ({which} points)"
    chart(insight_figures.confusion_figure(matrix, result.classes, title), "confusion_chart")
    cols = st.columns(min(3, len(result.classes)))
    for i, fig in enumerate(insight_figures.class_probability_figures(result)):
        chart(fig, f"class_map_{i}", cols[i % len(cols)])
    st.caption(
        "The confusion matrix counts points by true class (rows) and predicted class (columns); the maps "
        "show the probability of each class over the plane."
    )


def show_results(result, result_key) -> None:
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
    optimum = best_possible(result, result_key)
    best = optimum.loss if optimum is not None and optimum.note is None else None
    left, right = st.columns(2)
    with left:
        chart(training_figures.loss_figure(result, log_y=log_y, optimum=best), "loss_chart")
        st.caption(explain.CAPTIONS["loss"])
        if best is not None:
            st.caption(
                f"Dashed line: the best loss any model of this form reaches on this training data, {best:.6g} "
                f"(found by scikit-learn's solver). This run ends {result.loss_curve[-1] - best:.3g} above it; "
                "the Optimisers tab shows how fast each optimiser closes that gap."
            )
        elif optimum is not None:
            st.caption(f"Best possible loss: {optimum.note}.")
    with right:
        chart(training_figures.accuracy_figure(result), "accuracy_chart")
        st.caption(explain.CAPTIONS["accuracy"])
    # Three charts on this tab: every chart costs the browser tens of milliseconds on each change.
    chart(training_figures.boundary_figure(result), "boundary_chart")
    st.caption(explain.CAPTIONS["boundary"])
    if len(result.classes) > 2:
        multiclass_extras(result)
    if result.feature_map.added_features_:
        st.caption("Features added by the degree setting: " + ", ".join(result.feature_map.added_features_))

    # Built only when opened, and the downloads only when clicked: each costs the page time on every change.
    maths = st.expander("The maths of this run", key="maths", on_change="rerun")
    if maths.open:
        with maths:
            st.markdown("The loss the model minimises, with its current value:")
            st.latex(explain.loss_latex(result))
            st.markdown("One step of the optimiser:")
            st.latex(explain.update_latex(result))

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
