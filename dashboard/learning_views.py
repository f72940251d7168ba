"""The tabs that show how the model learns: replay, landscape, per-point loss, optimisers, runs compared, sweep."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from cedash.data.dataset import DataError
from cedash.model.optimizers import OPTIMIZER_NAMES
from cedash.plots import insight_figures, training_figures
from cedash.plots.play import frame_iterations
from cedash.plots.style import plain
from cedash.runs.advice import suggest_rate
from cedash.runs.compare import MAX_PINNED, SHARE_COLUMNS, comparison_table, race_configs, run_label
from cedash.runs.experiment import check_work, run
from cedash.runs.landscape import loss_landscape, weight_names, weight_path
from cedash.runs.pointwise import point_losses
from cedash.runs.sweep import log_spaced_rates, sweep
from dashboard.cached_runs import best_possible
from dashboard.run_cache import fingerprint
from dashboard.settings import LEARNING_RATE_SCALE
from dashboard.state import LIMITS, apply_change, chart, keep, literal, remember, run_cache

# Replay's frames for a whole run, at two a second: about 14 s for 500 iterations.
REPLAY_FRAMES = 30


def cached(key, compute):
    value, _ = run_cache().get_or_compute(key, compute)
    return value


def replay_iteration(result, result_key) -> int:
    """The iteration the replay slider shows, reset to the end when the run changes.

    Other tabs read it too (Landscape, Points), while the slider is not drawn and
    Streamlit has dropped its state; the shadow copy brings it back.
    """
    state = st.session_state
    keep("replay_iter")
    n = int(result.model.n_iter_)
    # A position past this run's end (kept from a longer run) would be refused by the slider: start at the end.
    if state.get("replay_for") != result_key or "replay_iter" not in state or not 0 <= state.replay_iter <= n:
        state.replay_for = result_key
        state.replay_iter = n
        state.replay_playing = False
    remember("replay_iter")
    return int(state.replay_iter)


def replay_tab(result, result_key) -> None:
    n = int(result.model.n_iter_)
    state = st.session_state
    replay_iteration(result, result_key)
    # Log-spaced, as Play's frames: most of them early, where the model changes most. Evenly spaced frames
    # spent 28 of a 500-iteration run's 31 s on iterations that look the same.
    schedule = frame_iterations(n, REPLAY_FRAMES)

    # While playing, only this fragment reruns on a timer: nothing retrains, frames are drawn on demand.
    @st.fragment(run_every=0.5 if state.replay_playing else None)
    def player():
        if state.replay_playing:
            later = schedule[schedule > state.replay_iter]
            if not later.size:
                state.replay_playing = False
                st.rerun()
            state.replay_iter = int(later[0])
        c1, c2 = st.columns([1, 5], vertical_alignment="bottom")
        if c1.button(
            "Pause" if state.replay_playing else "Play",
            icon=":material/pause:" if state.replay_playing else ":material/play_arrow:",
            key="replay_play",
            help="Play the training back from the start, two frames a second, most of them early on.",
        ):
            state.replay_playing = not state.replay_playing
            if state.replay_playing and state.replay_iter >= n:
                state.replay_iter = 0
            st.rerun()
        c2.slider(
            "Iteration",
            0,
            max(n, 1),
            key="replay_iter",
            disabled=n == 0,
            help="Move through training: the boundary, the loss marker and the weights follow.",
        )
        it = int(state.replay_iter)
        remember("replay_iter")
        axes = state.get("axes")
        if axes is not None:
            boundary = training_figures.boundary_figure(
                result, iteration=it, resolution=80, size_by_loss=True, axes=axes
            )
            chart(boundary, "replay_boundary")
        st.caption(
            "The model as it was at this iteration. Bigger points cost more loss: the model is "
            "confidently wrong about them, or unsure."
        )
        left, right = st.columns(2)
        chart(training_figures.loss_figure(result, marker_iteration=it), "replay_loss", left)
        chart(insight_figures.weights_figure(result, it), "replay_weights", right)

    player()


def landscape_tab(result, result_key) -> None:
    model = result.model
    names = weight_names(model, result.feature_map.feature_names_)
    k, d = model.coef_.shape
    choices = names if model.fit_intercept else names[: k * d]
    state = st.session_state
    for key, default in (("land_a", choices[0]), ("land_b", choices[min(1, len(choices) - 1)])):
        if state.get(key) not in choices:
            state[key] = default
    c1, c2 = st.columns(2)
    a = c1.selectbox("First weight", choices, key="land_a", help="The weight along the horizontal axis.")
    b = c2.selectbox(
        "Second weight",
        choices,
        key="land_b",
        help="The weight along the vertical axis. All other weights stay at their final values.",
    )
    if a == b:
        st.info("Pick two different weights to see the landscape between them.")
        return
    i, j = names.index(a), names.index(b)
    land = cached(("landscape", result_key, i, j), lambda: loss_landscape(result, i, j))
    it = replay_iteration(result, result_key)
    chart(insight_figures.landscape_figure(land, marker_iteration=it), "landscape_chart")
    others = len(names) - 2
    st.caption(
        "Contours of the training loss over two weights; the path is where gradient descent went, from the "
        "green start to the red star. Each step goes downhill, at right angles to the contours. "
        + (
            f"The other {others} weight(s) are held at their final values, so this is a slice through the end point."
            if others
            else ""
        )
        + " Try a large learning rate to see it overshoot and zig-zag, or momentum to see it curve."
    )


def points_tab(result, result_key) -> None:
    it = replay_iteration(result, result_key)
    pts = point_losses(result, result.train, it)
    st.caption(f"Training points at iteration {it} (move the Replay slider to change it).")
    left, right = st.columns(2)
    chart(insight_figures.point_loss_figure(pts, result.classes), "points_sorted", left)
    chart(insight_figures.neg_log_figure(pts, result.classes), "points_curve", right)
    st.caption(
        "Cross-entropy charges each point −log p, where p is the probability the model gives its true "
        "label. Near p = 1 that costs almost nothing; as p falls towards 0 the cost climbs without limit. "
        "Confidently wrong points cost the most."
    )


def optimizer_tab(data, config, result, result_key) -> None:
    races = race_configs(config)
    try:
        # Four runs at once: bound them together, like a sweep, so one user cannot start four big fits.
        check_work(data, config, LIMITS, runs=len(races))
    except DataError as exc:
        st.error(f"The race needs four runs: {literal(exc)}")
        return
    runs = {}
    fp = fingerprint(data)
    for name, cfg in races.items():
        runs[name] = cached((fp, cfg), lambda cfg=cfg: run(data, cfg, limits=LIMITS))
    # Named in the charts as on the page; the runs stay keyed by the short names.
    curves = {OPTIMIZER_NAMES[name]: r.loss_curve for name, r in runs.items()}
    diverged = {OPTIMIZER_NAMES[name]: r.diverged_at for name, r in runs.items()}
    chart(insight_figures.compare_loss_figure(curves, "Optimiser race: loss per iteration", diverged), "race_loss")
    optimum = best_possible(result, result_key)
    if optimum is not None and optimum.note is None:
        chart(insight_figures.gap_figure(curves, optimum.loss), "gap_chart")
        st.caption(
            f"The best loss any model of this form reaches on this training data is {optimum.loss:.6g} (found by "
            "scikit-learn's solver). A gap that falls in a straight line on this log scale means the optimiser "
            "converges at a steady rate; the steeper the line, the faster."
        )
    gd = runs["gd"]
    paths = {OPTIMIZER_NAMES[name]: weight_path(r.model, 0, 1) for name, r in runs.items()}
    land = cached(
        ("race landscape", fp, race_configs(config)["gd"]),
        lambda: loss_landscape(gd, 0, 1, include=[p for _, p in paths.values()]),
    )
    fig = insight_figures.landscape_figure(land, paths)
    fig.update_layout(title={"text": "Optimiser race: paths on the loss landscape"})
    chart(fig, "race_landscape")
    st.caption(
        f"All four optimisers start from zero with learning rate {config.learning_rate:g} for "
        f"{config.max_iter} iterations. Momentum and Nesterov build up speed and curve; Adam takes "
        "steps of about the same size in every direction."
    )


def compared_boundary(result, name: str, axes: tuple[int, int], shown: set):
    """A compared run's small boundary, built once per session: every rerun of the tab used to build them all again.

    Keyed by the run object itself (the entry holds it, so its id is not reused while the entry lives), and the
    name and axes it is drawn with; the key is added to ``shown``.
    """
    figures = st.session_state.setdefault("compare_figures", {})
    key = (id(result), name, axes)
    shown.add(key)
    if key not in figures:
        fig = training_figures.boundary_figure(result, resolution=50, max_points=2000, axes=axes)
        fig.update_layout(title={"text": plain(name)}, height=320, showlegend=False)
        figures[key] = (result, fig)
    return figures[key][1]


def compare_tab(result, data_name: str) -> None:
    state = st.session_state
    pinned = state.setdefault("pinned", {})
    label = run_label(result, data_name)
    full = len(pinned) >= MAX_PINNED
    if st.button(
        "Pin this run",
        icon=":material/push_pin:",
        key="pin",
        disabled=full or label in pinned,
        help=f"Keep this run to compare with others (up to {MAX_PINNED}). Then change settings.",
    ):
        pinned[label] = result
    if full:
        st.caption(f"{MAX_PINNED} runs are pinned, the most this page keeps; remove one to pin another.")
    if not pinned:
        st.info("Pin this run, change a setting, and pin again: the runs appear here side by side.")
        return
    runs = {**pinned}
    if label not in runs:
        runs[f"now: {label}"] = result
    curves = {name: r.loss_curve for name, r in runs.items()}
    diverged = {name: r.diverged_at for name, r in runs.items()}
    chart(insight_figures.compare_loss_figure(curves, diverged=diverged), "compare_loss")
    table = comparison_table(runs)
    formats = {c: st.column_config.NumberColumn(format="percent") for c in SHARE_COLUMNS if c in table}
    formats.update({c: st.column_config.NumberColumn(format="%.4f") for c in table if "loss" in c})
    st.dataframe(table, width="stretch", column_config=formats)
    names = list(runs)
    shown = set()
    for row in range(0, len(names), 3):
        cols = st.columns(3)
        for col, name in zip(cols, names[row : row + 3], strict=False):
            with col:
                axes = state.get("axes") if runs[name].train.n_features == result.train.n_features else None
                if axes is None:
                    axes = (0, 1) if runs[name].train.n_features >= 2 else None
                if axes is None:
                    continue
                chart(compared_boundary(runs[name], name, axes, shown), f"compare_boundary_{row}_{name}")
                if name in pinned and st.button("Remove", key=f"unpin_{name}", help="Stop comparing this run."):
                    del pinned[name]
                    st.rerun()
    # Figures no longer shown (an unpinned run, an earlier "now") are let go, and their runs with them.
    figures = state.setdefault("compare_figures", {})
    for key in [k for k in figures if k not in shown]:
        del figures[key]


def sweep_tab(data, config) -> None:
    state = st.session_state
    state.setdefault("sweep_k", 12)
    c1, c2 = st.columns([1, 2])
    k = c1.number_input(
        "How many rates",
        2,
        24,
        key="sweep_k",
        help="The number of learning rates to try, evenly spaced on a log scale.",
    )
    low, high = c2.select_slider(
        "Range of learning rates",
        LEARNING_RATE_SCALE,
        value=(1e-3, 10.0),
        key="sweep_range",
        help="The smallest and largest learning rate to try.",
    )
    # The sweep sets its own rates: the page's rate is left out of the key, so using a suggested rate keeps it.
    key = ("sweep", fingerprint(data), replace(config, learning_rate=0.0), int(k), low, high)
    if st.button(
        "Run the sweep",
        key="run_sweep",
        type="primary",
        help="Train one model per learning rate, all at once, with the other settings as they are.",
    ):
        try:
            cached(key, lambda: sweep(data, config, log_spaced_rates(low, high, int(k)), limits=LIMITS))
            state.sweep_key = key
        except DataError as exc:
            st.error(literal(exc))
            return
    if state.get("sweep_key") is None:
        st.info("Press the button to train several learning rates side by side.")
        return
    if state.sweep_key != key:
        st.caption("The settings changed since the last sweep; press the button to run it again.")
        return
    sweep_results(cached(key, lambda: sweep(data, config, log_spaced_rates(low, high, int(k)), limits=LIMITS)), config)


def sweep_results(result, config) -> None:
    """The sweep's two charts with the page's rate marked, and the suggested rate with a button to use it."""
    left, right = st.columns(2)
    final = insight_figures.sweep_figure(result)
    # The rate the page trains with now, so that using the suggestion shows where it sits on the sweep.
    final.add_vline(x=config.learning_rate, line_dash="dot", line_color="#31333F",
                    annotation_text=f"now: {config.learning_rate:.3g}", annotation_position="top left")  # fmt: skip
    chart(final, "sweep_final", left)
    chart(insight_figures.sweep_curves_figure(result), "sweep_curves", right)
    n_div = sum(d is not None for d in result.diverged_at)
    suggestion = suggest_rate(result)
    if suggestion is None:
        st.warning("Every learning rate diverged. Try a lower range, or standardise the features.")
        return
    st.success(
        suggestion.sentence()
        + (f" {n_div} of {len(result.learning_rates)} rates diverged (crossed out)." if n_div else "")
    )
    rate = float(f"{suggestion.rate:.3g}")
    if abs(config.learning_rate - rate) > 1e-12 * rate:
        st.button(
            f"Use learning rate {rate:g}",
            key="use_best",
            on_click=apply_change,
            args=({"lr": rate},),
            help="Train with the suggested rate; the sweep stays on screen.",
        )
    else:
        st.caption(f"The page trains with the suggested rate, {rate:g}, now.")
