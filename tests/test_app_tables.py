"""Real tables in the dashboard, through AppTest: roles, target changes, gaps, all inputs training, the slice."""

from __future__ import annotations

import re

import numpy as np
import pytest
from apptest_helpers import assert_clean, figures, new_app, texts

BOUNDARY = "Decision boundary"


def people_table(rows: int = 240, seed: int = 5) -> bytes:
    """An export as people have them: an ID, names, yes/no, categories, gaps, a date, free text, mixed scales."""
    rng = np.random.default_rng(seed)
    lines = ["person_id,name,age,smoker,region,income,joined,comment,bought"]
    regions = ["north", "south", "east", "west"]
    for i in range(rows):
        age = int(rng.integers(18, 80))
        smoker = "yes" if rng.random() < 0.35 else "no"
        region = regions[int(rng.integers(0, 4))]
        income = rng.normal(40000, 10000)
        score = 0.08 * (age - 45) + (1.2 if smoker == "no" else -1.2) + (income - 40000) / 12000
        bought = "yes" if score + rng.normal(0, 0.7) > 0 else "no"
        age_text = "" if i % 17 == 3 else str(age)
        lines.append(
            f"P{5000 + i},Person {i},{age_text},{smoker},{region},{income:.0f},2023-{1 + i % 12:02d}-{1 + i % 28:02d},"
            f'"visited on day {i} and said thing number {i * 7 % 101}",{bought}'
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def table_app():
    at = new_app()
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    at.file_uploader(key="upload").upload("people.csv", people_table(), "text/csv").run()
    assert_clean(at)
    return at


def roles(at) -> dict[str, str]:
    plan = at.session_state["roles_shown"]
    return dict(zip(plan["column"], plan["role"], strict=True))


def test_a_real_table_trains_on_all_its_useful_columns_with_only_the_target_chosen(table_app):
    at = table_app
    assert at.selectbox(key="target").value == "bought"
    r = roles(at)
    assert r["person_id"] == r["name"] == r["joined"] == r["comment"] == "left out"
    assert r["age"] == r["smoker"] == r["region"] == r["income"] == "feature"
    assert r["bought"] == "target"
    notes = " ".join(texts(at.caption))
    assert "dropped" in notes and "'age'" in notes
    boundary = figures(at)[BOUNDARY]
    subtitle = boundary["layout"]["title"]["subtitle"]["text"]
    assert subtitle.startswith("Other inputs held at:") and "region = " in subtitle
    assert boundary["layout"]["xaxis"]["title"]["text"] == "age"
    # Every input trained: the weights table has one row per model input.
    inputs = {"age", "smoker=yes", "income", "region=east", "region=north", "region=south", "region=west"}
    assert set(at.selectbox(key="fx").options) == inputs


def test_the_target_changes_without_uploading_again(table_app):
    at = table_app
    at.selectbox(key="target").set_value("smoker").run()
    assert_clean(at)
    r = roles(at)
    assert r["smoker"] == "target" and r["bought"] == "feature"
    names = {t["name"] for t in figures(at)[BOUNDARY]["data"] if t["type"] == "scatter"}
    assert {"train: no", "train: yes"} <= names
    # Other settings keep the table and its target.
    at.number_input(key="lr").set_value(0.5).run()
    assert at.selectbox(key="target").value == "smoker"
    assert BOUNDARY in figures(at)


def test_a_role_can_be_changed_and_gaps_filled(table_app):
    at = table_app
    at.session_state["upload_roles"] = {"region": "left out"}
    at.run()
    assert_clean(at)
    assert roles(at)["region"] == "left out"
    assert not any(o.startswith("region=") for o in at.selectbox(key="fx").options)
    at.radio(key="missing").set_value("fill").run()
    assert_clean(at)
    notes = " ".join(texts(at.caption))
    assert "filled" in notes and "dropped" not in notes


def test_the_chart_starts_on_two_inputs_that_spread_the_points_and_holds_the_rest_in_plain_numbers(table_app):
    """Not the yes/no column (every point on one of two lines): age and income, the first two with many values."""
    at = table_app
    assert (at.selectbox(key="fx").value, at.selectbox(key="fy").value) == ("age", "income")
    at.selectbox(key="fy").set_value("smoker=yes").run()
    subtitle = figures(at)[BOUNDARY]["layout"]["title"]["subtitle"]["text"]
    mean = re.search(r"income at its mean ([\d,.]+)", subtitle)
    assert mean and "," in mean.group(1) and "e+" not in subtitle, subtitle


def test_the_chart_axes_can_be_any_two_inputs_and_the_rest_are_held(table_app):
    at = table_app
    at.selectbox(key="fx").set_value("income").run()
    at.selectbox(key="fy").set_value("smoker=yes").run()
    assert_clean(at)
    layout = figures(at)[BOUNDARY]["layout"]
    assert layout["xaxis"]["title"]["text"] == "income" and layout["yaxis"]["title"]["text"] == "smoker=yes"
    assert "age at its mean" in layout["title"]["subtitle"]["text"]


def test_a_built_in_set_of_many_columns_trains_on_all_of_them():
    at = new_app({"dataset": "breast cancer"})
    at.run()
    assert_clean(at)
    assert len(at.multiselect(key="inputs").value) == 30
    assert "Other inputs held at" in figures(at)[BOUNDARY]["layout"]["title"]["subtitle"]["text"]


def test_the_inputs_and_the_chart_axes_of_a_built_in_set_travel_in_the_link():
    at = new_app({"dataset": "iris"})
    at.run()
    at.selectbox(key="fx").set_value("petal length (cm)").run()
    at.multiselect(key="inputs").unselect("sepal width (cm)").run()
    assert_clean(at)
    link = {k: at.query_params[k] for k in ("dataset", "fx", "fy", "inputs")}
    again = new_app(link)
    again.run()
    assert_clean(again)
    assert again.selectbox(key="fx").value == "petal length (cm)"
    assert "sepal width (cm)" not in again.multiselect(key="inputs").value
    assert len(again.multiselect(key="inputs").value) == 3


def test_a_divergence_on_inputs_of_very_different_scales_says_to_standardise():
    at = new_app({"dataset": "breast cancer", "standardize": "false", "lr": "10"})
    at.run()
    assert_clean(at)
    warning = " ".join(t for t in texts(at.warning) if "diverged" in t)
    assert "spreads differ" in warning and "turn on Standardise first" in warning, warning
