"""Real-looking tables, as they come: column roles, encodings, missing values, and no leakage from the test part.

Every table is built here: an ID column, names, yes/no and male/female columns,
a few regions, numbers with gaps, a date, free text, a constant column, and
columns on very different scales (a year beside daily returns).
"""

import csv

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from test_csv_fuzz import WRITING, outcome, tables, write

from cedash.config import RunConfig
from cedash.data.columns import FEATURE, LEFT_OUT, TARGET, TEXT
from cedash.data.csv_reader import read_csv
from cedash.data.dataset import DataError, Dataset
from cedash.runs.experiment import run, split

REGIONS = ["north", "south", "east", "west"]


def people(n=800, seed=0, gaps=True):
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n).round(0)
    smoker = rng.choice(["yes", "no"], n, p=[0.3, 0.7])
    sex = rng.choice(["male", "female"], n)
    region = rng.choice(REGIONS, n)
    returns = rng.normal(0, 0.01, n)
    logit = 0.08 * (age - 40) + 1.5 * (smoker == "yes") - 1.0 * (region == "south") + 0.5 * (sex == "male")
    logit += 80 * returns
    outcome_ = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "ill", "well")
    frame = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "name": [f"Person {i:05d}" for i in rng.permutation(n)],
            "age": age,
            "income": rng.lognormal(10, 0.5, n).round(2),
            "smoker": smoker,
            "sex": sex,
            "region": region,
            "joined": [f"20{rng.integers(10, 24)}-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}"
                       for _ in range(n)],
            "comment": [f"came on a {rng.choice(['wet', 'dry'])} day and told us {rng.integers(10**6)} things"
                        for _ in range(n)],
            "year": rng.integers(1990, 2020, n),
            "daily_return": returns,
            "country": "NL",
            "outcome": outcome_,
        }
    )  # fmt: skip
    if gaps:
        frame.loc[rng.choice(n, 30, replace=False), "age"] = np.nan
        frame.loc[rng.choice(n, 12, replace=False), "region"] = ""
        frame.loc[rng.choice(n, 5, replace=False), "outcome"] = ""
    return frame


def csv_bytes(frame, index=False):
    return frame.to_csv(index=index).encode()


@pytest.fixture(scope="module")
def table():
    return people()


@pytest.fixture(scope="module")
def data(table):
    return read_csv(csv_bytes(table), name="people.csv")


def roles(data):
    return {c.name: (c.kind, c.role) for c in data.table.plan.columns}


def note(data, column):
    return data.table.plan.column(column).note


# -- roles ---------------------------------------------------------------------------------------------------------


def test_every_column_gets_a_kind_and_a_role(data):
    assert roles(data) == {
        "id": ("number", LEFT_OUT),
        "name": (TEXT, LEFT_OUT),
        "age": ("number", FEATURE),
        "income": ("number", FEATURE),
        "smoker": ("two values", FEATURE),
        "sex": ("two values", FEATURE),
        "region": ("categories", FEATURE),
        "joined": ("date", LEFT_OUT),
        "comment": (TEXT, LEFT_OUT),
        "year": ("number", FEATURE),
        "daily_return": ("number", FEATURE),
        "country": ("categories", LEFT_OUT),
        "outcome": ("two values", TARGET),
    }
    assert "row number or an ID" in note(data, "id")
    assert "like a name or an ID" in note(data, "name")
    assert note(data, "joined").startswith("dates; name it as a feature")
    assert note(data, "comment").startswith("free text")
    assert note(data, "country").startswith("the same value in every row")
    frame = data.table.plan.frame()
    assert list(frame.columns) == ["column", "kind", "role", "note"] and len(frame) == 13


def test_text_becomes_zero_one_columns_named_for_what_they_mark(data, table):
    assert data.feature_names == (
        "age", "income", "smoker=yes", "sex=male", "region=east", "region=north", "region=south", "region=west",
        "year", "daily_return",
    )  # fmt: skip
    kept = table.iloc[_kept_rows(table)]
    X = pd.DataFrame(data.X, columns=data.feature_names)
    np.testing.assert_array_equal(X["smoker=yes"], (kept["smoker"] == "yes").astype(float))
    np.testing.assert_array_equal(X["sex=male"], (kept["sex"] == "male").astype(float))
    for region in REGIONS:
        np.testing.assert_array_equal(X[f"region={region}"], (kept["region"] == region).astype(float))
    np.testing.assert_array_equal(X["age"], kept["age"])
    np.testing.assert_array_equal(X["daily_return"], kept["daily_return"])
    np.testing.assert_array_equal(data.y, kept["outcome"])


def _kept_rows(table):
    return np.flatnonzero(table["age"].notna() & (table["region"] != "") & (table["outcome"] != ""))


def test_notes_count_the_rows_left_out_and_name_the_columns(data, table):
    no_target = int((table["outcome"] == "").sum())
    with_target = table[table["outcome"] != ""]
    dropped = int((with_target["age"].isna() | (with_target["region"] == "")).sum())
    assert data.n_samples == len(table) - no_target - dropped
    target_note, drop_note = data.notes
    assert target_note.startswith(f"left out {no_target} rows with no value in the target 'outcome' (lines ")
    assert drop_note.startswith(f"dropped {dropped} rows with missing values (lines ")
    n_age = int(with_target["age"].isna().sum())
    n_region = int((with_target["region"] == "").sum())
    assert f"in 'age' ({n_age}), 'region' ({n_region})" in drop_note


def test_filling_keeps_every_row_with_a_target(table):
    data = read_csv(csv_bytes(table), missing="fill")
    assert data.n_samples == int((table["outcome"] != "").sum())
    assert "'age' (" in data.notes[-1] and "filled with the median or most frequent value" in data.notes[-1]


def test_a_nameless_first_column_is_the_row_index_and_left_out(table):
    data = read_csv(csv_bytes(table.head(200), index=True))
    assert roles(data)["Unnamed: 0"] == ("number", LEFT_OUT)


def test_the_target_guess_prefers_a_text_column_with_few_values_to_a_number_with_hundreds(table):
    frame = table[["age", "smoker", "region", "income"]].head(300)
    assert read_csv(csv_bytes(frame)).target_name == "region"
    assert read_csv(csv_bytes(frame), target="smoker").target_name == "smoker"
    # A label column wins wherever it is.
    assert read_csv(csv_bytes(frame.rename(columns={"smoker": "Label"}))).target_name == "Label"


def test_the_user_overrides_roles(table):
    data = read_csv(csv_bytes(table), features=["age", "joined", "id"], target="outcome")
    assert data.feature_names == ("id", "age", "joined")
    kept = table[table["age"].notna() & (table["outcome"] != "")]
    days = (pd.to_datetime(kept["joined"]) - pd.Timestamp("1970-01-01")).dt.days.to_numpy()
    np.testing.assert_array_equal(data.X[:, 2], days)
    ignored = read_csv(csv_bytes(table), ignore=["region", "year"])
    assert "region=east" not in ignored.feature_names and "year" not in ignored.feature_names
    assert roles(ignored)["region"] == ("categories", LEFT_OUT)
    # Region is not a feature now, so its gaps no longer cost rows.
    assert ignored.n_samples > read_csv(csv_bytes(table)).n_samples


def test_the_category_limit_is_stated_and_can_be_raised(table):
    frame = table.head(400).copy()
    frame["shop"] = [f"shop {i % 12}" for i in range(len(frame))]
    data = read_csv(csv_bytes(frame), target="outcome")
    assert roles(data)["shop"] == ("categories", LEFT_OUT)
    assert note(data, "shop") == (
        "12 different values, more than the category limit of 10; raise the limit to 12 to use it as that many 0/1 "
        "columns"
    )
    raised = read_csv(csv_bytes(frame), target="outcome", max_categories=12)
    assert sum(name.startswith("shop=") for name in raised.feature_names) == 12


def test_numbers_with_a_stray_word_are_left_out_pointing_at_the_cell(table):
    frame = table.head(50).copy()
    frame["weight"] = (np.arange(50) * 1.5 + 40).astype(str)
    frame.loc[7, "weight"] = "heavy"
    data = read_csv(csv_bytes(frame))
    assert roles(data)["weight"] == ("numbers with text", LEFT_OUT)
    assert note(data, "weight") == "numbers, but line 9 has 'heavy'; fix such cells to use it"
    with pytest.raises(DataError, match=r"^column 'weight' must hold numbers to be a feature, but line 9 has 'heavy'"):
        read_csv(csv_bytes(frame), features=["weight"])


# -- the preparation, fitted on the training part -------------------------------------------------------------------


def sklearn_preparation(data):
    """scikit-learn's imputers and encoder for the same columns, in the same order."""
    parts = []
    for info in data.table.plan.features:
        if info.kind in ("number", "date"):
            parts.append((info.name, SimpleImputer(strategy="median"), [info.name]))
        else:
            encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
            parts.append((info.name, make_pipeline(SimpleImputer(strategy="most_frequent"), encoder), [info.name]))
    return ColumnTransformer(parts)


def as_frame(part):
    out = {}
    for name, column in part.table.values.items():
        out[name] = np.asarray(column, dtype=object) if isinstance(column, pd.Categorical) else column
    frame = pd.DataFrame(out)
    return frame.replace({np.nan: None}) if frame.shape[1] else frame


def test_fill_values_and_categories_match_scikit_learn_fitted_on_the_training_part(table):
    data = read_csv(csv_bytes(table), missing="fill")
    train, test = split(data, RunConfig())
    reference = sklearn_preparation(data).fit(as_frame(train).fillna(np.nan))
    for part in (train, test):
        expected = reference.transform(as_frame(part).fillna(np.nan))
        keep = [i for i, name in enumerate(reference.get_feature_names_out()) if _kept_output(name, train)]
        np.testing.assert_array_equal(part.X, expected[:, keep])
    age, income = train.table.preparation.steps[:2]
    assert age.fill == np.nanmedian(train.table.values["age"])
    assert income.fill == np.median(train.table.values["income"])
    assert income.fill != np.median(data.table.values["income"])  # the test part's incomes play no part
    assert any(
        note.startswith("missing values filled from the training part: 'age' with its median") for note in train.notes
    )


def _kept_output(name, train):
    # scikit-learn writes "sex__sex_female"; cedash keeps only the value a two-valued column marks.
    column, value = name.split("__", 1)
    if "_" not in value or value == column:
        return True
    value = value[len(column) + 1 :]
    return f"{column}={value}" in train.feature_names


def test_nothing_of_the_test_part_leaks_into_the_training(table):
    config = RunConfig(max_iter=200)
    data = read_csv(csv_bytes(table), missing="fill")
    _, test = split(data, config)
    # Row i of the frame is on line i + 2 of its CSV, below the header.
    in_test = np.isin(np.arange(len(table)) + 2, test.table.lines)
    changed = table.copy()
    changed.loc[in_test, "age"] = 1e6
    changed.loc[in_test, "region"] = "nowhere"
    changed.loc[in_test, "income"] = np.nan
    before = run(data, config)
    after = run(read_csv(csv_bytes(changed), missing="fill"), config)
    assert before.preparation.steps == after.preparation.steps
    np.testing.assert_array_equal(before.train.X, after.train.X)
    np.testing.assert_array_equal(before.feature_map.mean_, after.feature_map.mean_)
    np.testing.assert_array_equal(before.model.coef_, after.model.coef_)
    assert "'region' the training part does not have (such as 'nowhere')" in " ".join(after.test.notes)
    region = [i for i, name in enumerate(after.test.feature_names) if name.startswith("region=")]
    assert not after.test.X[:, region].any()


def test_accuracy_is_within_two_points_of_scikit_learn_on_the_same_matrix_and_split():
    for seed, missing in ((0, "drop"), (1, "fill"), (2, "drop")):
        data = read_csv(csv_bytes(people(n=3000, seed=seed)), missing=missing)
        result = run(data, RunConfig(max_iter=500))
        Xtr = result.feature_map.transform(result.train.X)
        Xte = result.feature_map.transform(result.test.X)
        reference = LogisticRegression(C=np.inf, max_iter=5000).fit(Xtr, result.train.y)
        theirs = reference.score(Xte, result.test.y)
        ours = result.summary()["test_accuracy"]
        assert abs(ours - theirs) <= 0.02, (seed, ours, theirs)
        assert ours > 0.65


def test_a_numeric_table_gives_the_same_numbers_as_before(table):
    numbers = table[["income", "year", "daily_return"]].assign(label=(table["smoker"] == "yes").astype(int))
    data = read_csv(csv_bytes(numbers))
    plain = Dataset(
        numbers.iloc[:, :3].to_numpy(float), numbers["label"].to_numpy(), ("income", "year", "daily_return")
    )
    np.testing.assert_array_equal(data.X, plain.X)
    ours, before = run(data).summary(), run(plain).summary()
    for key in ("coef", "intercept", "train_loss", "test_loss", "test_accuracy"):
        assert ours[key] == before[key]


# -- how it holds up ------------------------------------------------------------------------------------------------


def test_an_all_missing_column_is_left_out(table):
    frame = table.head(100).assign(blank="")
    data = read_csv(csv_bytes(frame))
    assert roles(data)["blank"] == ("empty", LEFT_OUT)
    assert note(data, "blank") == "no values in any row"


def test_a_table_that_loses_every_row(table):
    frame = table.head(100).copy()
    frame["pressure"] = np.where(np.arange(100) % 2, np.nan, 1.0) + np.arange(100)
    frame["humidity"] = np.where(np.arange(100) % 2, np.arange(100) / 7, np.nan)
    with pytest.raises(
        DataError, match=r"^every row misses a value in .*'pressure' \(50\), 'humidity' \(50\), so none"
    ):
        read_csv(csv_bytes(frame))
    assert read_csv(csv_bytes(frame), missing="fill").n_samples == int((frame["outcome"] != "").sum())


def test_a_target_left_with_one_class(table):
    frame = table.head(100).copy()
    frame.loc[frame["outcome"] == "ill", "age"] = np.nan
    with pytest.raises(DataError, match=r"^after dropping the rows with missing values, the target 'outcome' holds"):
        read_csv(csv_bytes(frame))


def test_ten_thousand_categories(table):
    n = 10_000
    frame = pd.DataFrame({"code": [f"c{i}" for i in range(n)], "city": [f"city {i % 5000}" for i in range(n)]})
    frame["x"] = np.random.default_rng(0).normal(size=n)
    frame["label"] = (frame["x"] > 0).astype(int)
    data = read_csv(csv_bytes(frame))
    assert data.feature_names == ("x",)
    assert note(data, "city").startswith("5,000 different values, more than the category limit of 10")
    with pytest.raises(DataError, match=r"^the chosen columns make 5,001 model inputs, more than the limit of 200"):
        read_csv(csv_bytes(frame), max_categories=5000)


def test_only_an_id_and_a_target(table):
    with pytest.raises(DataError, match=r"^no column is left to use as a feature \('id': counts rows"):
        read_csv(csv_bytes(table[["id", "outcome"]]))


def test_bad_options_say_what_is_allowed(table):
    raw = csv_bytes(table.head(50))
    with pytest.raises(DataError, match=r"^missing values can be dropped or filled, not 'guess'"):
        read_csv(raw, missing="guess")
    with pytest.raises(DataError, match=r"^there is no column called 'colour'; the columns are 'id', 'name'"):
        read_csv(raw, ignore=["colour"])
    with pytest.raises(DataError, match=r"^'outcome' is the target, so it cannot also be a feature"):
        read_csv(raw, features=["age", "outcome"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), WRITING, st.sampled_from(["drop", "fill"]), st.integers(2, 4))
def test_random_tables_read_with_roles(table, writing, missing, max_categories):
    try:
        raw = write(*table, *writing)
    except csv.Error:
        assume(False)
    data = outcome(raw, missing=missing, max_categories=max_categories)
    if data is not None:
        train, _ = split(data, RunConfig(test_size=0))
        np.testing.assert_array_equal(train.X, data.X)


def test_a_target_of_measurements_is_refused_with_a_clear_message():
    from cedash.config import RunConfig
    from cedash.data.dataset import DataError
    from cedash.runs.experiment import run

    data = read_csv(b"height,weight,species\n1.0,2.0,cat\n1.2,1.9,cat\n3.0,4.0,cat\n3.1,4.1,cat\n")
    assert data.target_name == "weight"  # the constant last column is not guessed as the target
    with pytest.raises(DataError, match=r"'weight' holds numbers with fractions \(4 different values\)"):
        run(data, RunConfig())


def test_a_number_column_counts_its_different_values_as_pandas_does():
    from cedash.data.columns import read_column

    cells = ["0", "-0.0", "1.5", "1.50", "", "inf", "-inf", "nan", "2", "1e300", "1e300", "-3"]
    rng = np.random.default_rng(5)
    column = read_column(pd.Series([cells[i] for i in rng.integers(0, len(cells), 5000)]))
    values = column.values[~np.isnan(column.values)]
    # 0 and -0.0 are one value, as 1.5 and 1.50 are; missing and infinite cells are not values.
    assert column.kind == "number" and column.n_distinct == pd.unique(values).size == 5
