"""GradientDescentClassifier: a logistic (or softmax) model fitted by gradient descent.

It follows scikit-learn's estimator conventions, so it drops into pipelines,
``cross_val_score`` and ``GridSearchCV``, and passes scikit-learn's own
estimator checks (``tests/test_sklearn_conformance.py``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from cedash.config import DEFAULTS
from cedash.model.losses import log_softmax, sigmoid
from cedash.model.objectives import BinaryObjective, SoftmaxObjective
from cedash.model.optimizers import OPTIMIZERS
from cedash.model.training import train


class GradientDescentClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression trained by gradient descent on the exact cross-entropy.

    Two classes use one sigmoid output; more than two use a softmax over one
    output per class. Labels may be ints, strings or booleans.

    Parameters (defaults from :data:`cedash.config.DEFAULTS`, shared with the dashboard and the CLI)
    ----------
    learning_rate : float, default=0.1
        Step size of every update.
    max_iter : int, default=500
        Iterations: full-batch steps, or epochs when ``batch_size`` is set.
    fit_intercept : bool, default=True
        Learn a bias term. The tutorial's model has none.
    optimizer : {"gd", "momentum", "nesterov", "adam"}, default="gd"
        "gd" is the tutorial's plain full-batch descent.
    momentum : float, default=0.9
        Momentum coefficient for "momentum" and "nesterov".
    batch_size : int or None, default=None
        None trains on the whole set each step; an int runs mini-batch SGD,
        shuffling each epoch with ``random_state``.
    alpha : float, default=0.0
        L2 penalty: the objective is ``mean cross-entropy + alpha/2 * |W|^2``
        (intercept not penalised). scikit-learn's ``LogisticRegression`` minimises
        ``C * sum cross-entropy + 1/2 |W|^2``; dividing by ``C n`` shows the two
        agree when ``alpha = 1 / (C n)``, that is ``C = 1 / (alpha n)``;
        ``alpha=0`` is ``C=np.inf``.
    tol : float or None, default=None
        Stop once the loss has improved by less than ``tol`` for
        ``n_iter_no_change`` iterations in a row. None runs every iteration.
    n_iter_no_change : int, default=5
    divergence_factor : float, default=100
        Training stops, keeping the last good weights, when the loss is not
        finite or exceeds this multiple of its starting value.
    max_snapshots : int, default=2001
        How many weight vectors the thinned history keeps at most.
    random_state : int, Generator or None, default=None
        Seeds the mini-batch shuffle.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        Iterations actually run.
    loss_curve_ : ndarray of shape (n_iter_ + 1,)
        Training objective at the initial weights and after each iteration.
    history_iterations_ : ndarray of int
        Iterations at which the weights were recorded, always with 0 and the last.
    coef_history_, intercept_history_ : ndarray
        The recorded weights, one row per entry of ``history_iterations_``.
    diverged_at_ : int or None
        The iteration at which training diverged, or None.
    divergence_reason_ : str or None
    n_features_in_ : int
    """

    def __init__(
        self,
        learning_rate=DEFAULTS.learning_rate,
        max_iter=DEFAULTS.max_iter,
        fit_intercept=DEFAULTS.fit_intercept,
        optimizer=DEFAULTS.optimizer,
        momentum=DEFAULTS.momentum,
        batch_size=DEFAULTS.batch_size,
        alpha=DEFAULTS.alpha,
        tol=None,
        n_iter_no_change=5,
        divergence_factor=100.0,
        max_snapshots=2001,
        random_state=None,
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.optimizer = optimizer
        self.momentum = momentum
        self.batch_size = batch_size
        self.alpha = alpha
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.divergence_factor = divergence_factor
        self.max_snapshots = max_snapshots
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------

    def _check_params(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number, not {self.learning_rate!r}")
        if int(self.max_iter) != self.max_iter or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive whole number, not {self.max_iter!r}")
        if self.batch_size is not None and (int(self.batch_size) != self.batch_size or self.batch_size < 1):
            raise ValueError(f"batch_size must be None or a positive whole number, not {self.batch_size!r}")
        if not (np.isfinite(self.alpha) and self.alpha >= 0):
            raise ValueError(f"alpha must be zero or a positive number, not {self.alpha!r}")

    def fit(self, X, y, callback=None):
        """Fit on ``X`` (n_samples, n_features) and labels ``y``; returns self.

        ``callback(iteration, loss)``, if given, is called as training advances: after
        every iteration, or for compiled full-batch descent after every few
        milliseconds of work (the dashboard uses it for a progress bar).
        """
        self._check_params()
        # No layout is forced here: each objective copies X into the one it streams fastest.
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise ValueError(
                f"the training labels hold only one class ({self.classes_[0]}); a classifier needs at least two classes"
            )
        n, d = X.shape
        out = 1 if k == 2 else k

        def objective_for(Xs, ys):
            if k == 2:
                return BinaryObjective(Xs, ys, self.alpha, self.fit_intercept)
            return SoftmaxObjective(Xs, ys, k, self.alpha, self.fit_intercept)

        full = objective_for(X, y_idx)
        batch_size = None if self.batch_size is None or self.batch_size >= n else int(self.batch_size)
        trace = train(
            full,
            np.zeros((d + 1, out)),
            optimizer=self.optimizer,
            learning_rate=float(self.learning_rate),
            momentum=float(self.momentum),
            max_iter=int(self.max_iter),
            tol=self.tol,
            n_iter_no_change=int(self.n_iter_no_change),
            batch_size=batch_size,
            make_batch_objective=lambda idx: objective_for(np.asfortranarray(X[idx]), y_idx[idx]),
            rng=np.random.default_rng(self.random_state),
            divergence_factor=float(self.divergence_factor),
            max_snapshots=int(self.max_snapshots),
            callback=callback,
        )
        self.coef_ = np.ascontiguousarray(trace.theta[:d].T)
        self.intercept_ = trace.theta[d].copy()
        self.loss_curve_ = trace.loss_curve
        self.n_iter_ = len(trace.loss_curve) - 1
        self.history_iterations_ = trace.history_iterations
        self.coef_history_ = np.ascontiguousarray(np.transpose(trace.history_theta[:, :d, :], (0, 2, 1)))
        self.intercept_history_ = trace.history_theta[:, d, :].copy()
        self.diverged_at_ = trace.diverged_at
        self.divergence_reason_ = trace.divergence_reason
        return self

    # -- prediction ----------------------------------------------------------

    def weights_at(self, iteration: int):
        """``(coef, intercept)`` recorded at the latest snapshot not after ``iteration``."""
        check_is_fitted(self)
        i = int(np.searchsorted(self.history_iterations_, iteration, side="right")) - 1
        i = min(max(i, 0), len(self.history_iterations_) - 1)
        return self.coef_history_[i], self.intercept_history_[i]

    def _logits(self, X, coef, intercept):
        return X @ coef.T + intercept

    def decision_function(self, X, iteration: int | None = None):
        """Logits: shape (n,) for two classes, (n, n_classes) otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        coef, intercept = (self.coef_, self.intercept_) if iteration is None else self.weights_at(iteration)
        Z = self._logits(X, coef, intercept)
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X, iteration: int | None = None):
        """Class probabilities, columns ordered as ``classes_``."""
        Z = self.decision_function(X, iteration)
        if Z.ndim == 1:
            p = sigmoid(Z)
            return np.column_stack([1.0 - p, p])
        return np.exp(log_softmax(Z))

    def predict_log_proba(self, X, iteration: int | None = None):
        Z = self.decision_function(X, iteration)
        if Z.ndim == 1:
            return np.column_stack([-np.logaddexp(0, Z), -np.logaddexp(0, -Z)])
        return log_softmax(Z)

    def predict(self, X, iteration: int | None = None):
        Z = self.decision_function(X, iteration)
        idx = (Z > 0).astype(np.intp) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[idx]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
