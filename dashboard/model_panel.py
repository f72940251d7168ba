"""The sidebar's model settings: learning rate, iterations, optimiser and the rest, as one RunConfig."""

from __future__ import annotations

import streamlit as st

from cedash.config import RunConfig
from dashboard.settings import LEARNING_RATE_SCALE, OPTIMIZER_LABELS, SETTINGS
from dashboard.state import LIMITS, starting_value, sync_lr_from_scale, sync_scale_from_lr, widget


def feature_degree() -> int:
    """The feature degree, shown right under the data: curved data needs it before any other setting."""
    return int(widget(st.slider, "degree"))


def model_settings(degree: int) -> RunConfig:
    st.select_slider(
        "Learning rate (log scale)",
        options=LEARNING_RATE_SCALE,
        key="lr_scale",
        **starting_value(st.select_slider, "lr_scale"),
        help=SETTINGS["lr"].help,
        on_change=sync_lr_from_scale,
        format_func=lambda v: f"{v:g}",
    )
    # Clamped into range with a note, as every number box (state.widget); then the slider follows.
    lr = widget(st.number_input, "lr", then=sync_scale_from_lr, format="%.6g", step=None)
    iters = widget(st.number_input, "iters", step=100, max_value=min(SETTINGS["iters"].high, LIMITS.max_iter))
    c1, c2 = st.columns(2)
    with c1:
        optimizer = widget(st.selectbox, "optimizer", format_func=OPTIMIZER_LABELS.get)
    with c2:
        batch = widget(st.number_input, "batch", step=8)
    l2 = widget(st.number_input, "l2", step=0.001, format="%.4g")
    intercept = widget(st.toggle, "intercept")
    standardize = widget(st.toggle, "standardize")
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
