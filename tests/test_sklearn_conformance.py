"""scikit-learn's own estimator checks, none skipped."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from cedash import GradientDescentClassifier


@parametrize_with_checks([GradientDescentClassifier()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
