"""The tutorial's gradient-descent example, reproduced number for number."""

import numpy as np

from cedash import GradientDescentClassifier

X = np.array([[1, 2], [3, 4], [5, 6], [7, 8]])
Y = np.array([0, 1, 1, 0])


def article_gradient_descent(X, y_true, w, learning_rate, num_iters):
    # The tutorial's loop, verbatim in behaviour, used as the reference.
    for _ in range(num_iters):
        y_pred = 1 / (1 + np.exp(-np.dot(X, w)))
        dw = np.dot(X.T, y_pred - y_true) / len(y_true)
        w -= learning_rate * dw
    return w


def fit_article():
    return GradientDescentClassifier(learning_rate=0.1, max_iter=1000, fit_intercept=False).fit(X, Y)


def test_weights_stay_zero_like_the_article():
    model = fit_article()
    reference = article_gradient_descent(X, Y, np.zeros(2), 0.1, 1000)
    np.testing.assert_array_equal(reference, [0.0, 0.0])
    np.testing.assert_array_equal(model.coef_, [[0.0, 0.0]])
    np.testing.assert_array_equal(model.intercept_, [0.0])


def test_loss_is_ln2_at_every_iteration():
    model = fit_article()
    assert model.n_iter_ == 1000
    assert model.loss_curve_.shape == (1001,)
    assert np.all(model.loss_curve_ == 0.6931471805599453)
    assert model.diverged_at_ is None


def test_predicted_labels_are_all_zero():
    # sigmoid(0) = 0.5 and the article rounds half to even: every prediction is 0.
    model = fit_article()
    np.testing.assert_array_equal(model.predict(X), [0, 0, 0, 0])
    np.testing.assert_array_equal(np.round(model.predict_proba(X)[:, 1]), [0, 0, 0, 0])


def test_gradient_at_zero_is_exactly_zero_even_with_intercept():
    # Why nothing moves: p = 0.5 everywhere, and X^T (p - y) = 0 and mean(p - y) = 0 on this data.
    residual = 0.5 - Y
    np.testing.assert_array_equal(X.T @ residual, [0.0, 0.0])
    assert residual.mean() == 0.0
    model = GradientDescentClassifier(learning_rate=0.1, max_iter=1000, fit_intercept=True).fit(X, Y)
    np.testing.assert_array_equal(model.coef_, [[0.0, 0.0]])
    assert np.all(model.loss_curve_ == np.log(2))


def test_squared_features_let_the_model_learn_it():
    # The outer points are 0 and the inner ones 1: a curved boundary separates them.
    Xs = (X - X.mean(0)) / X.std(0)
    X2 = np.column_stack([Xs, Xs[:, 0] ** 2])
    model = GradientDescentClassifier(learning_rate=0.5, max_iter=2000).fit(X2, Y)
    np.testing.assert_array_equal(model.predict(X2), Y)
    assert model.loss_curve_[-1] < 0.05
