"""The built-in data sets: names, descriptions, determinism, and agreement with scikit-learn's generators."""

import numpy as np
import pytest
from sklearn import datasets as skd

from cedash.data.builtin_datasets import DATASETS, dataset_names, load_dataset
from cedash.data.dataset import DataError, Dataset
from cedash.limits import Limits

NAMES = (
    "article example",
    "two blobs",
    "xor",
    "circles",
    "moons",
    "spiral",
    "three blobs",
    "iris",
    "wine",
    "breast cancer",
)
SHAPES = ("two blobs", "xor", "circles", "moons", "spiral", "three blobs")


def test_names_are_exactly_the_issues_in_order():
    assert dataset_names() == NAMES
    assert tuple(DATASETS) == NAMES


def test_each_spec_has_a_one_line_description_and_says_which_knobs_apply():
    for name, spec in DATASETS.items():
        assert spec.name == name
        assert spec.description.strip() and "\n" not in spec.description and len(spec.description) < 100
        expected = name in SHAPES
        assert (spec.uses_n, spec.uses_noise) == (expected, expected), name


def test_the_registry_cannot_be_changed_by_a_caller():
    with pytest.raises(TypeError):
        DATASETS["mine"] = DATASETS["xor"]


@pytest.mark.parametrize("name", NAMES)
def test_every_set_loads_as_a_dataset_named_after_itself(name):
    data = load_dataset(name)
    assert isinstance(data, Dataset)
    assert data.name == name
    assert data.X.dtype == np.float64 and np.isfinite(data.X).all()
    assert len(data.classes) == DATASETS[name].n_classes


def test_the_article_example_is_the_articles_four_points():
    data = load_dataset("article example", n_samples=999, noise=5.0, seed=7)
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
    np.testing.assert_array_equal(data.y, [0, 1, 1, 0])
    assert data.feature_names == ("x1", "x2")


@pytest.mark.parametrize("name", SHAPES)
def test_same_seed_same_data_other_seed_other_data(name):
    a = load_dataset(name, 150, 0.3, seed=4)
    b = load_dataset(name, 150, 0.3, seed=4)
    c = load_dataset(name, 150, 0.3, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", SHAPES)
def test_shapes_have_n_points_in_two_features(name):
    data = load_dataset(name, n_samples=37, noise=0.1, seed=1)
    assert data.X.shape == (37, 2)
    assert data.feature_names == ("x1", "x2")
    counts = np.bincount(data.y)
    assert counts.max() - counts.min() <= 1  # balanced classes


@pytest.mark.parametrize("name", SHAPES)
def test_noise_blurs_the_shape(name):
    calm = load_dataset(name, 200, 0.0, seed=3)
    noisy = load_dataset(name, 200, 0.5, seed=3)
    np.testing.assert_array_equal(calm.y, noisy.y)
    jitter = np.std(noisy.X - calm.X)
    assert 0.3 < jitter < 0.7


def test_moons_and_circles_are_scikit_learns_generators():
    X, y = skd.make_moons(n_samples=120, noise=0.15, random_state=9)
    data = load_dataset("moons", 120, 0.15, 9)
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)
    X, y = skd.make_circles(n_samples=120, noise=0.15, random_state=9, factor=0.5)
    data = load_dataset("circles", 120, 0.15, 9)
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)


def test_blobs_are_scikit_learns_make_blobs():
    X, y = skd.make_blobs(n_samples=90, centers=[[-1, -1], [1, 1]], cluster_std=0.4, random_state=2)
    data = load_dataset("two blobs", 90, 0.4, 2)
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)
    three = load_dataset("three blobs", 90, 0.4, 2)
    np.testing.assert_array_equal(np.bincount(three.y), [30, 30, 30])


def test_two_blobs_are_separable_at_low_noise_and_overlap_at_high_noise():
    # The centres lie on the diagonal, so the line x1 + x2 = 0 is the natural boundary.
    def errors(noise):
        data = load_dataset("two blobs", 1000, noise, seed=0)
        return int(np.sum((data.X.sum(axis=1) > 0) != (data.y == 1)))

    assert errors(0.2) == 0
    assert errors(1.0) > 50


def test_xor_labels_follow_the_quadrants():
    data = load_dataset("xor", 400, 0.0, seed=1)
    np.testing.assert_array_equal(data.y, (data.X[:, 0] * data.X[:, 1] > 0).astype(int))
    assert np.abs(data.X).min() >= 0.05  # kept off the axes
    assert np.abs(data.X).max() <= 1.05
    np.testing.assert_array_equal(np.bincount(data.y), [200, 200])


def test_the_spiral_arms_wind_around_each_other():
    data = load_dataset("spiral", 200, 0.0, seed=0)
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    for k in (0, 1):
        arm = radius[data.y == k]
        assert np.all(np.diff(arm) > 0)  # each arm moves steadily outwards
    # The second arm is the first turned by half a circle.
    np.testing.assert_allclose(data.X[data.y == 1], -data.X[data.y == 0], atol=1e-12)


@pytest.mark.parametrize(
    ("name", "loader", "classes", "first_feature"),
    [
        ("iris", skd.load_iris, ["setosa", "versicolor", "virginica"], "sepal length (cm)"),
        ("wine", skd.load_wine, ["class_0", "class_1", "class_2"], "alcohol"),
        ("breast cancer", skd.load_breast_cancer, ["benign", "malignant"], "mean radius"),
    ],
)
def test_bundled_sets_keep_every_feature_with_real_names_and_string_classes(name, loader, classes, first_feature):
    bunch = loader()
    data = load_dataset(name, n_samples=10, noise=3.0, seed=5)  # ignored: these sets are fixed
    np.testing.assert_array_equal(data.X, bunch.data)
    assert data.feature_names == tuple(bunch.feature_names)
    assert data.feature_names[0] == first_feature
    assert all(type(f) is str for f in data.feature_names)
    assert data.classes.tolist() == classes
    np.testing.assert_array_equal(data.y, np.asarray(bunch.target_names)[bunch.target])


def test_the_ui_can_pick_two_features_to_view():
    data = load_dataset("iris").select_features(["petal length (cm)", "petal width (cm)"])
    assert data.X.shape == (150, 2)
    assert data.feature_names == ("petal length (cm)", "petal width (cm)")
    np.testing.assert_array_equal(data.X, skd.load_iris().data[:, 2:4])


def test_names_are_forgiving_about_case_and_separators():
    np.testing.assert_array_equal(load_dataset("Breast_Cancer").X, load_dataset("breast cancer").X)
    assert load_dataset("two-blobs").name == "two blobs"


def test_an_unknown_name_lists_the_valid_ones():
    with pytest.raises(DataError, match=r"no built-in data set called 'blobs'; choose one of: article example, two bl"):
        load_dataset("blobs")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 3}, r"number of points for 'moons' must be between 4 and 1,000,000, not 3"),
        ({"n_samples": 2.5}, r"number of points must be a whole number, not 2\.5"),
        ({"n_samples": True}, r"number of points must be a whole number"),
        ({"noise": -0.1}, r"noise must be zero or a positive number, not -0\.1"),
        ({"noise": float("nan")}, r"noise must be zero or a positive number, not nan"),
        ({"noise": "0.1"}, r"noise must be a number, not '0\.1'"),
        ({"seed": -1}, r"seed must be a whole number from 0 to 4294967295, not -1"),
    ],
)
def test_bad_settings_are_data_errors(kwargs, message):
    with pytest.raises(DataError, match=message):
        load_dataset("moons", **kwargs)


def test_too_many_points_is_refused_by_the_limits():
    with pytest.raises(DataError, match=r"between 6 and 500, not 501"):
        load_dataset("three blobs", n_samples=501, limits=Limits(max_rows=500))
