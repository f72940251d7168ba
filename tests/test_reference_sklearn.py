"""Full-batch gradient descent reaches scikit-learn's LogisticRegression optimum.

The objective is mean cross-entropy + alpha/2 |W|^2, which is scikit-learn's
C * sum(cross-entropy) + 1/2 |W|^2 divided by C n, so alpha = 1 / (C n).
Without a penalty an optimum only exists when the classes overlap: the full
breast-cancer set and iris on two or more features are linearly separable, so
the unpenalised cases use feature subsets that overlap.
"""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

from cedash import GradientDescentClassifier


def _standardised(loader, columns):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X)[:, columns], y


CASES = {
    "breast-cancer, 3 overlapping features, no penalty": (load_breast_cancer, [0, 1, 4], 0.0),
    "breast-cancer, all 30 features, alpha=0.01": (load_breast_cancer, slice(None), 0.01),
    "breast-cancer, all 30 features, alpha=0.1": (load_breast_cancer, slice(None), 0.1),
    "iris, sepal length, 3 classes, no penalty": (load_iris, [0], 0.0),
    "iris, all 4 features, 3 classes, alpha=0.01": (load_iris, slice(None), 0.01),
}


def _centered(coef):
    # A softmax model is unchanged by adding one vector to every class's weights;
    # gradient descent from zero keeps them summing to zero, so compare that representative.
    return coef - coef.mean(axis=0) if coef.shape[0] > 1 else coef


@pytest.mark.parametrize("case", list(CASES))
def test_gradient_descent_reaches_the_sklearn_optimum(case):
    loader, columns, alpha = CASES[case]
    X, y = _standardised(loader, columns)
    n = len(y)
    C = np.inf if alpha == 0 else 1.0 / (alpha * n)
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(X, y)
    ref_objective = log_loss(y, ref.predict_proba(X)) + 0.5 * alpha * np.sum(ref.coef_**2)

    ours = GradientDescentClassifier(learning_rate=1.0, max_iter=20_000, alpha=alpha).fit(X, y)

    assert ours.diverged_at_ is None
    assert abs(ours.loss_curve_[-1] - ref_objective) < 1e-6
    np.testing.assert_allclose(_centered(ours.coef_), _centered(ref.coef_), atol=1e-3)
    np.testing.assert_allclose(
        ours.intercept_ - ours.intercept_.mean() * (len(ours.intercept_) > 1),
        ref.intercept_ - ref.intercept_.mean() * (len(ref.intercept_) > 1),
        atol=1e-3,
    )
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
