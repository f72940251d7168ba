"""Preparing data: the polynomial feature map with optional standardisation, and the stratified split."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from cedash.data.dataset import DataError, Dataset
from cedash.data.split import split_dataset
from cedash.model.features import FeatureMap

RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(40, 2)) * [3.0, 0.5] + [10.0, -2.0]

# -- feature map ---------------------------------------------------------------------------------------------------


def test_degree_one_without_standardising_is_the_identity():
    fmap = FeatureMap()
    out = fmap.fit_transform(X2, ["a", "b"])
    np.testing.assert_array_equal(out, X2)
    assert fmap.feature_names_ == ("a", "b")
    assert fmap.added_features_ == ()


@pytest.mark.parametrize("degree", [2, 3, 4])
def test_polynomial_terms_match_scikit_learn(degree):
    ours = FeatureMap(degree).fit_transform(X2)
    theirs = PolynomialFeatures(degree, include_bias=False).fit_transform(X2)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)


@pytest.mark.parametrize("degree", [1, 3, 4])
def test_new_data_is_mapped_as_scikit_learn_maps_it(degree):
    train, new = X2[:30], RNG.normal(size=(25, 2)) * 4.0
    fmap = FeatureMap(degree, standardize=True).fit(train)
    poly = PolynomialFeatures(degree, include_bias=False).fit(train)
    scaler = StandardScaler().fit(poly.transform(train))
    # Not to the last bit: numpy sums a column-major array (what the map returns) in another order.
    np.testing.assert_allclose(fmap.transform(new), scaler.transform(poly.transform(new)), rtol=1e-13, atol=1e-12)
    # The training data gives the same numbers through fit_transform and through transform.
    np.testing.assert_array_equal(FeatureMap(degree, standardize=True).fit_transform(train), fmap.transform(train))


def test_degree_two_names_show_the_added_features():
    fmap = FeatureMap(2).fit(X2, ["x1", "x2"])
    assert fmap.feature_names_ == ("x1", "x2", "x1²", "x1·x2", "x2²")
    assert fmap.added_features_ == ("x1²", "x1·x2", "x2²")


def test_degree_three_names_use_superscripts():
    fmap = FeatureMap(3).fit(X2)
    assert fmap.added_features_[-4:] == ("x1³", "x1²·x2", "x1·x2²", "x2³")


def test_standardising_matches_scikit_learns_scaler_fitted_on_the_training_data():
    train, test = X2[:30], X2[30:]
    fmap = FeatureMap(2, standardize=True).fit(train)
    poly = PolynomialFeatures(2, include_bias=False).fit(train)
    scaler = StandardScaler().fit(poly.transform(train))
    np.testing.assert_allclose(fmap.transform(train), scaler.transform(poly.transform(train)), atol=1e-12)
    np.testing.assert_allclose(fmap.transform(test), scaler.transform(poly.transform(test)), atol=1e-12)
    out = fmap.transform(train)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-12)


def test_a_constant_column_is_centred_but_not_scaled():
    X = np.column_stack([np.full(5, 7.0), np.arange(5.0)])
    out = FeatureMap(standardize=True).fit_transform(X)
    np.testing.assert_array_equal(out[:, 0], 0.0)
    assert np.isfinite(out).all()


def test_a_column_constant_up_to_rounding_is_not_blown_up_by_its_rounding_noise():
    X = np.column_stack([np.full(7, 0.1), np.arange(7.0)])
    fmap = FeatureMap(standardize=True).fit(X)
    np.testing.assert_array_equal(fmap.scale_, StandardScaler().fit(X).scale_)
    assert fmap.scale_[0] == 1.0
    assert np.abs(fmap.transform(X)[:, 0]).max() < 1e-15


def test_the_map_is_recorded_so_the_boundary_can_be_drawn_over_the_inputs():
    fmap = FeatureMap(2, standardize=True).fit(X2, ["u", "v"])
    record = fmap.to_dict()
    assert record["degree"] == 2 and record["standardize"] is True
    assert record["inputs"] == ["u", "v"]
    assert record["outputs"] == ["u", "v", "u²", "u·v", "v²"]
    assert len(record["mean"]) == len(record["scale"]) == 5
    # A grid over the original two inputs maps to the model's five features.
    grid = np.array([[10.0, -2.0], [12.0, -1.5]])
    assert fmap.transform(grid).shape == (2, 5)


def test_transform_refuses_a_different_number_of_inputs():
    fmap = FeatureMap(2).fit(X2)
    with pytest.raises(ValueError, match="fitted on 2 inputs, not 3"):
        fmap.transform(np.ones((4, 3)))


@pytest.mark.parametrize("degree", [0, -1, 1.5])
def test_a_degree_below_one_or_fractional_is_refused(degree):
    with pytest.raises(ValueError, match="degree must be a whole number of at least 1"):
        FeatureMap(degree)


# -- split ---------------------------------------------------------------------------------------------------------


def make_data(counts=(30, 10), name="demo"):
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.column_stack([np.arange(len(y), dtype=float), np.arange(len(y), dtype=float) ** 2])
    return Dataset(X, y, ("a", "b"), "label", name)


def test_the_split_is_stratified_and_matches_scikit_learn():
    data = make_data((30, 10))
    train, test = split_dataset(data, 0.25, seed=3)
    assert (train.n_samples, test.n_samples) == (30, 10)
    np.testing.assert_array_equal(np.bincount(test.y), [8, 2])  # 3:1 kept in both parts
    np.testing.assert_array_equal(np.bincount(train.y), [22, 8])
    expected_train, expected_test = train_test_split(np.arange(40), test_size=10, random_state=3, stratify=data.y)
    np.testing.assert_array_equal(train.X[:, 0], np.sort(expected_train))
    np.testing.assert_array_equal(test.X[:, 0], np.sort(expected_test))


def test_the_parts_are_disjoint_cover_everything_and_keep_rows_whole():
    data = make_data((25, 15))
    train, test = split_dataset(data, 0.3, seed=1)
    rows = np.concatenate([train.X[:, 0], test.X[:, 0]])
    np.testing.assert_array_equal(np.sort(rows), np.arange(40))
    np.testing.assert_array_equal(train.X[:, 1], train.X[:, 0] ** 2)
    np.testing.assert_array_equal(test.y, data.y[test.X[:, 0].astype(int)])


def test_same_seed_same_split_other_seed_other_split():
    data = make_data()
    a, _ = split_dataset(data, 0.25, seed=5)
    b, _ = split_dataset(data, 0.25, seed=5)
    c, _ = split_dataset(data, 0.25, seed=6)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)


def test_the_parts_keep_names_and_say_which_part_they_are():
    train, test = split_dataset(make_data(name="moons"), 0.25)
    assert (train.name, test.name) == ("moons (train)", "moons (test)")
    assert train.feature_names == test.feature_names == ("a", "b")
    assert train.target_name == "label"


def test_a_zero_test_share_keeps_everything_for_training():
    data = make_data()
    train, test = split_dataset(data, 0.0)
    assert train is data and test is None


@pytest.mark.parametrize("share", [-0.1, 1.0, 1.5, float("nan")])
def test_a_share_outside_zero_to_one_is_refused(share):
    with pytest.raises(DataError, match="test share must be at least 0 and below 1"):
        split_dataset(make_data(), share)


def test_too_few_rows_to_hold_out_a_test_part():
    with pytest.raises(DataError, match="3 rows are too few to hold out 50% for testing"):
        split_dataset(make_data((2, 1)), 0.5)


def test_a_class_too_small_for_both_parts_gives_an_unstratified_split_with_a_note():
    train, test = split_dataset(make_data((20, 1)), 0.25, seed=1)
    assert (train.n_samples, test.n_samples) == (15, 6)
    assert test.y.tolist() == [0] * 6
    assert any("not stratified" in note for note in train.notes)


def test_a_split_that_leaves_one_class_for_training_is_refused():
    # With seed 0 the only row of class 1 lands in the test part.
    with pytest.raises(DataError, match="training part holds only one class; lower the test share"):
        split_dataset(make_data((20, 1)), 0.25, seed=0)


def test_string_labels_are_split_by_class_too():
    data = make_data((20, 20))
    data = Dataset(data.X, np.where(data.y == 1, "cat", "dog"), data.feature_names)
    _, test = split_dataset(data, 0.5, seed=2)
    assert sorted(test.y.tolist()) == ["cat"] * 10 + ["dog"] * 10


def test_a_class_seen_only_in_the_test_part_is_left_out_of_the_test_loss():
    # Seed 4 puts the only row of class 2 in the test part; the model has no output for it.
    from cedash.config import RunConfig
    from cedash.model.losses import binary_cross_entropy_with_logits
    from cedash.runs.experiment import run

    data = make_data((20, 20, 1))
    result = run(data, RunConfig(max_iter=50, test_size=0.25, seed=4))
    assert result.classes.tolist() == [0, 1]
    assert 2 in result.test.y
    known = result.test.y != 2
    logits = result.model.decision_function(result.feature_map.transform(result.test.X[known]))
    expected = binary_cross_entropy_with_logits(result.test.y[known], logits)
    assert result.summary()["test_loss"] == expected
