"""Behaviour of GradientDescentClassifier beyond the reference comparison."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from cedash import GradientDescentClassifier
from cedash.model.losses import binary_cross_entropy_with_logits, softmax_cross_entropy_with_logits


@pytest.fixture(scope="module")
def blobs2():
    X, y = make_blobs(n_samples=200, centers=2, cluster_std=2.0, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def blobs3():
    X, y = make_blobs(n_samples=300, centers=3, cluster_std=1.5, random_state=1)
    return StandardScaler().fit_transform(X), y


def test_loss_curve_is_the_loss_of_the_recorded_weights(blobs2):
    X, y = blobs2
    m = GradientDescentClassifier(learning_rate=0.5, max_iter=50, max_snapshots=11).fit(X, y)
    assert m.loss_curve_.shape == (51,)
    assert m.loss_curve_[0] == pytest.approx(np.log(2), rel=1e-15)
    assert list(m.history_iterations_) == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
    for i, it in enumerate(m.history_iterations_):
        z = X @ m.coef_history_[i][0] + m.intercept_history_[i][0]
        assert binary_cross_entropy_with_logits(y, z) == pytest.approx(m.loss_curve_[it], rel=1e-12)
    np.testing.assert_array_equal(m.coef_history_[-1], m.coef_)


def test_weights_at_any_iteration_use_the_nearest_earlier_snapshot(blobs2):
    X, y = blobs2
    m = GradientDescentClassifier(max_iter=100, max_snapshots=11).fit(X, y)
    coef, intercept = m.weights_at(37)
    i30 = list(m.history_iterations_).index(30)
    np.testing.assert_array_equal(coef, m.coef_history_[i30])
    np.testing.assert_array_equal(intercept, m.intercept_history_[i30])
    assert m.predict_proba(X, iteration=0)[:, 1] == pytest.approx(0.5)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adam"])
def test_every_optimizer_lowers_the_loss(blobs3, optimizer):
    X, y = blobs3
    m = GradientDescentClassifier(optimizer=optimizer, learning_rate=0.05, max_iter=200).fit(X, y)
    assert m.loss_curve_[-1] < 0.5 * m.loss_curve_[0]
    assert m.score(X, y) > 0.9


def test_momentum_beats_plain_gd_at_the_same_rate(blobs2):
    X, y = blobs2
    gd = GradientDescentClassifier(learning_rate=0.01, max_iter=100).fit(X, y)
    mom = GradientDescentClassifier(learning_rate=0.01, max_iter=100, optimizer="momentum").fit(X, y)
    assert mom.loss_curve_[-1] < gd.loss_curve_[-1]


def test_minibatch_sgd_is_seeded_and_converges(blobs2):
    X, y = blobs2
    a = GradientDescentClassifier(batch_size=16, max_iter=30, random_state=3).fit(X, y)
    b = GradientDescentClassifier(batch_size=16, max_iter=30, random_state=3).fit(X, y)
    c = GradientDescentClassifier(batch_size=16, max_iter=30, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.coef_, c.coef_)
    full = GradientDescentClassifier(max_iter=30).fit(X, y)
    assert a.loss_curve_[-1] < full.loss_curve_[-1]  # 13 steps an epoch instead of 1


@pytest.mark.parametrize(
    "labels",
    [np.array(["cat", "dog"]), np.array([False, True]), np.array([1, 2]), np.array([-1, 1])],
    ids=["str", "bool", "1-2", "pm1"],
)
def test_any_label_type_round_trips(blobs2, labels):
    X, y = blobs2
    yl = labels[y]
    m = GradientDescentClassifier().fit(X, yl)
    np.testing.assert_array_equal(m.classes_, np.sort(labels))
    pred = m.predict(X)
    assert pred.dtype == yl.dtype
    as_ints = GradientDescentClassifier().fit(X, y)
    np.testing.assert_array_equal(m.coef_, as_ints.coef_)
    np.testing.assert_array_equal(pred, labels[as_ints.predict(X)])


def test_softmax_for_three_string_classes(blobs3):
    X, y = blobs3
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    m = GradientDescentClassifier(learning_rate=0.5, max_iter=300).fit(X, names)
    assert m.coef_.shape == (3, 2) and m.intercept_.shape == (3,)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(1), 1.0)
    assert softmax_cross_entropy_with_logits(y, m.decision_function(X)) == pytest.approx(m.loss_curve_[-1], rel=1e-12)
    assert m.score(X, names) > 0.9


def test_l2_penalty_shrinks_the_weights(blobs2):
    X, y = blobs2
    free = GradientDescentClassifier(max_iter=500).fit(X, y)
    tied = GradientDescentClassifier(max_iter=500, alpha=1.0).fit(X, y)
    assert np.linalg.norm(tied.coef_) < 0.5 * np.linalg.norm(free.coef_)


def test_tol_stops_early(blobs2):
    X, y = blobs2
    m = GradientDescentClassifier(max_iter=100_000, tol=1e-9, learning_rate=1.0).fit(X, y)
    assert m.n_iter_ < 100_000
    assert len(m.loss_curve_) == m.n_iter_ + 1
    assert m.history_iterations_[-1] == m.n_iter_


def test_divergence_stops_and_keeps_finite_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2)) * 1e3  # unscaled features and a large rate
    y = (X[:, 0] + rng.normal(scale=500, size=100) > 0).astype(int)
    m = GradientDescentClassifier(learning_rate=10.0, max_iter=1000).fit(X, y)
    assert m.diverged_at_ is not None and 1 <= m.diverged_at_ <= 1000
    assert "rose above" in m.divergence_reason_
    assert len(m.loss_curve_) == m.diverged_at_
    assert np.all(np.isfinite(m.loss_curve_)) and np.all(np.isfinite(m.coef_))
    assert np.all(np.isfinite(m.coef_history_)) and m.history_iterations_[-1] == m.n_iter_


def test_non_finite_loss_is_caught_as_divergence():
    X = np.array([[1e300], [2e300]])
    y = np.array([1, 0])
    with np.errstate(all="ignore"):
        m = GradientDescentClassifier(learning_rate=1e10, max_iter=10).fit(X, y)
    assert m.diverged_at_ == 1
    assert "infinite or NaN" in m.divergence_reason_
    assert np.all(np.isfinite(m.loss_curve_)) and np.all(np.isfinite(m.coef_))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"optimizer": "rmsprop"}, "optimizer must be one of"),
        ({"learning_rate": 0}, "learning_rate must be a positive"),
        ({"max_iter": 0}, "max_iter must be a positive"),
        ({"batch_size": 0}, "batch_size must be None"),
        ({"alpha": -1}, "alpha must be zero"),
    ],
)
def test_bad_parameters_are_named(blobs2, params, message):
    X, y = blobs2
    with pytest.raises(ValueError, match=message):
        GradientDescentClassifier(**params).fit(X, y)


def test_single_class_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="only one class"):
        GradientDescentClassifier().fit(np.ones((5, 2)), np.zeros(5))
