"""The reference objective against scipy and finite differences; the tuned numpy objective against the reference."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp, softmax
from sklearn.metrics import accuracy_score, log_loss

from cedash.model import compiled
from cedash.model.objectives import (
    BinaryObjective,
    SoftmaxObjective,
    StackedObjective,
    loss_and_gradient,
    models_loss_and_gradient,
    per_sample_loss,
)


def problem(n, d, k, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, k, n)
    theta = rng.standard_normal((d + 1, 1 if k == 2 else k)) * scale
    return X, y, theta


def scipy_objective(X, y, theta, alpha, fit_intercept):
    """Written apart from cedash: logaddexp/expit for two classes, logsumexp/softmax for more."""
    n, d = X.shape
    Z = X @ theta[:d] + (theta[d] if fit_intercept else 0.0)
    if theta.shape[1] == 1:
        z = Z[:, 0]
        loss = np.mean(np.logaddexp(0.0, -(2.0 * y - 1.0) * z))
        R = (expit(z) - y)[:, None] / n
    else:
        loss = np.mean(logsumexp(Z, axis=1) - Z[np.arange(n), y])
        R = softmax(Z, axis=1)
        R[np.arange(n), y] -= 1.0
        R /= n
    grad = np.vstack([X.T @ R + alpha * theta[:d], R.sum(axis=0, keepdims=True) * fit_intercept])
    return loss + 0.5 * alpha * np.sum(theta[:d] ** 2), grad


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize(("alpha", "fit_intercept"), [(0.0, True), (0.1, False), (0.02, True)])
def test_reference_matches_scipy(k, alpha, fit_intercept):
    X, y, theta = problem(200, 4, k, seed=k)
    loss, grad = loss_and_gradient(X, y, theta, alpha, fit_intercept)
    want_loss, want_grad = scipy_objective(X, y, theta, alpha, fit_intercept)
    assert loss == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("k", [2, 4])
def test_reference_loss_is_sklearns_log_loss_without_penalty(k):
    X, y, theta = problem(150, 3, k, seed=10 + k)
    Z = X @ theta[:3] + theta[3]
    proba = np.column_stack([expit(-Z[:, 0]), expit(Z[:, 0])]) if k == 2 else softmax(Z, axis=1)
    loss, _ = loss_and_gradient(X, y, theta, 0.0, True)
    assert loss == pytest.approx(log_loss(y, proba, labels=np.arange(k)), rel=1e-12)


@pytest.mark.parametrize("k", [2, 3])
def test_reference_gradient_is_the_derivative_of_its_loss(k):
    X, y, theta = problem(60, 3, k, seed=20 + k)
    _, grad = loss_and_gradient(X, y, theta, 0.05, True)
    h = 1e-6
    numeric = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        up, down = theta.copy(), theta.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (loss_and_gradient(X, y, up, 0.05, True)[0] - loss_and_gradient(X, y, down, 0.05, True)[0]) / (
            2 * h
        )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_stacked_reference_is_each_model_on_its_own():
    X, y, _ = problem(90, 3, 3, seed=5)
    rng = np.random.default_rng(6)
    for k in (2, 3):
        c = 1 if k == 2 else k
        yk = y % k
        theta = rng.standard_normal((4, 4 * c))
        losses, grad = models_loss_and_gradient(X, yk, theta, k, 0.1, True)
        for m in range(4):
            cols = slice(m * c, (m + 1) * c)
            loss, g = loss_and_gradient(X, yk, theta[:, cols], 0.1, True)
            assert losses[m] == pytest.approx(loss, rel=1e-14)
            np.testing.assert_allclose(grad[:, cols], g, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n_models", [1, 5])
@pytest.mark.parametrize("n", [1, 7, 300])
@pytest.mark.parametrize(("alpha", "fit_intercept"), [(0.0, True), (0.1, False)])
def test_tuned_numpy_objective_matches_the_reference(k, n_models, n, alpha, fit_intercept):
    # The tuned path stays because it is faster (see StackedObjective); it must give the reference's numbers.
    X, y, _ = problem(n, 3, k, seed=n + k)
    c = 1 if k == 2 else k
    theta = np.random.default_rng(n_models).standard_normal((4, n_models * c)) * 3
    grad = np.zeros_like(theta)
    losses = StackedObjective(X, y, k, n_models, alpha, fit_intercept)(theta, grad)
    want_losses, want_grad = models_loss_and_gradient(X, y, theta, k, alpha, fit_intercept)
    # The tuned softmax takes log(sum of exps) where the reference takes log1p, so a loss near zero
    # is exact to about 1e-16 absolute rather than relative.
    np.testing.assert_allclose(losses, want_losses, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("k", [2, 3])
def test_tuned_numpy_objective_is_exact_for_huge_logits(k):
    # Logits up to a few thousand either way: no overflow, no clipping, and the gradient keeps its sign.
    X = np.linspace(-3.0, 3.0, 601)[:, None]
    y = np.arange(601) % k
    theta = np.array([[1000.0], [0.0]]) if k == 2 else np.array([[1000.0, -700.0, 0.0], [0.0, 5.0, -5.0]])
    grad = np.zeros_like(theta)
    with compiled.disabled():
        objective = BinaryObjective(X, y, 0.0, True) if k == 2 else SoftmaxObjective(X, y, k, 0.0, True)
    loss = objective(theta, grad)
    want_loss, want_grad = loss_and_gradient(X, y, theta, 0.0, True)
    assert np.isfinite(loss) and loss == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-15)


def test_one_model_objectives_take_the_numpy_path_when_compiling_is_off():
    X, y, theta = problem(50, 2, 2, seed=1)
    with compiled.disabled():
        objective = BinaryObjective(X, y, 0.0, True)
    grad = np.zeros_like(theta)
    assert not objective.compiled
    assert objective(theta, grad) == pytest.approx(loss_and_gradient(X, y, theta, 0.0, True)[0], rel=1e-13)


@pytest.mark.parametrize("k", [2, 3])
def test_per_sample_loss_of_many_models_is_sklearns_log_loss_for_each(k):
    _, y, _ = problem(80, 2, k, seed=30 + k)
    c = 1 if k == 2 else k
    Z = np.random.default_rng(31).standard_normal((6, 80, c)) * 4
    got = per_sample_loss(y, Z)
    assert got.shape == (6, 80)
    for m in range(6):
        proba = np.column_stack([expit(-Z[m, :, 0]), expit(Z[m, :, 0])]) if k == 2 else softmax(Z[m], axis=1)
        assert got[m].mean() == pytest.approx(log_loss(y, proba, labels=np.arange(k)), rel=1e-12)


@pytest.mark.parametrize("k", [2, 3])
def test_history_curves_are_sklearns_loss_and_accuracy_at_each_recorded_iteration(k):
    from cedash import GradientDescentClassifier
    from cedash.runs.history import evaluate_history

    rng = np.random.default_rng(40 + k)
    X = rng.standard_normal((500, 2))
    y = (X[:, 0] * 2 + X[:, 1] + rng.standard_normal(500) > 0).astype(int) + (X[:, 1] > 1) * (k - 2)
    model = GradientDescentClassifier(max_iter=60, learning_rate=0.5, max_snapshots=13).fit(X[:300], y[:300])
    X_test, y_test = X[300:], y[300:]
    # Small chunks, so the rows are split across several passes.
    curves = evaluate_history(model, X_test, y_test, max_points=7, chunk=100)
    assert len(curves.iterations) == 7
    for it, loss, acc in zip(curves.iterations, curves.loss, curves.accuracy, strict=True):
        assert loss == pytest.approx(log_loss(y_test, model.predict_proba(X_test, it), labels=np.arange(k)), rel=1e-11)
        assert acc == accuracy_score(y_test, model.predict(X_test, it))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_history_on_the_fitted_data_reads_the_fits_own_loss_and_equals_computing_it(k, alpha):
    from cedash import GradientDescentClassifier
    from cedash.model import compiled
    from cedash.runs.history import evaluate_history

    rng = np.random.default_rng(50 + k)
    X = rng.standard_normal((400, 3))
    y = (X[:, 0] - X[:, 2] + rng.standard_normal(400) > 0).astype(int) + (X[:, 1] > 0.8) * (k - 2)
    model = GradientDescentClassifier(max_iter=80, learning_rate=0.5, alpha=alpha, max_snapshots=17).fit(X, y)
    read = evaluate_history(model, X, y, max_points=9, chunk=300, fitted=True)
    computed = evaluate_history(model, X, y, max_points=9, chunk=300)
    with compiled.disabled():
        by_numpy = evaluate_history(model, X, y, max_points=9, chunk=300)
    assert len(read.iterations) == 9 and read.loss[-1] < 0.9 * read.loss[0]
    np.testing.assert_array_equal(read.iterations, computed.iterations)
    np.testing.assert_allclose(read.loss, computed.loss, rtol=1e-12)
    np.testing.assert_allclose(by_numpy.loss, computed.loss, rtol=1e-13)
    np.testing.assert_array_equal(read.accuracy, computed.accuracy)
    np.testing.assert_array_equal(by_numpy.accuracy, computed.accuracy)
