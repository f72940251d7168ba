"""The numbers a lesson's text and conditions read from one run, each computed only when a step asks for it.

A step writes ``{now.diverged_at}`` or ``now.test_rise > 0.1``; ``now`` is the run on the page and
``start`` the run of the step's own settings, both :class:`RunNumbers`. Settings are read the same way
(``now.lr``, ``now.degree``), so one namespace serves both what the user did and what happened.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from cedash.model.losses import binary_cross_entropy
from cedash.model.optimizers import OPTIMIZER_NAMES
from cedash.runs.advice import chance_accuracy, loss_rises
from cedash.runs.experiment import RunResult
from cedash.runs.optimum import run_optimum
from cedash.runs.pointwise import confusion, point_losses

# The article's example: four labels and the probabilities the model gave them.
ARTICLE_LABELS = (1, 0, 1, 0)
ARTICLE_PREDICTIONS = (0.8, 0.3, 0.7, 0.2)


class ArticleExample:
    """The article's four predictions and what cross-entropy charges for them, and for single answers."""

    labels = ARTICLE_LABELS
    predictions = ARTICLE_PREDICTIONS

    @cached_property
    def loss(self) -> float:
        return float(binary_cross_entropy(np.array(self.labels), np.array(self.predictions)))

    @cached_property
    def p_true(self) -> tuple[float, ...]:
        """The probability each prediction gives the true class: p for a 1, 1 - p for a 0."""
        return tuple(round(p if y == 1 else 1.0 - p, 12) for y, p in zip(self.labels, self.predictions, strict=True))

    @staticmethod
    def cost(p: float) -> float:
        return float(-np.log(p))

    @property
    def hesitant_wrong(self) -> float:
        """-log 0.4: the true class got 40%, a wrong answer given without conviction."""
        return self.cost(0.4)

    @property
    def confident_wrong(self) -> float:
        """-log 0.01: the true class got 1%, a wrong answer given with 99% conviction."""
        return self.cost(0.01)

    @property
    def confident_right(self) -> float:
        return self.cost(0.99)


class RunNumbers:
    """One run's numbers by name; settings (``lr``, ``degree``, ``source`` ...) are read from ``settings``."""

    def __init__(self, result: RunResult, settings: dict):
        self.result = result
        self.settings = dict(settings)

    def __getattr__(self, name: str):
        settings = self.__dict__.get("settings", {})
        if name in settings:
            return settings[name]
        raise AttributeError(f"a lesson can read no number called {name!r}")

    @property
    def optimizer_name(self) -> str:
        """The optimiser as the page names it ("gradient descent", "Adam"), for a reply's text."""
        return OPTIMIZER_NAMES[self.settings["optimizer"]]

    # --- the loss over the run -------------------------------------------------------------------------------

    @cached_property
    def curve(self) -> np.ndarray:
        return self.result.loss_curve

    @property
    def first_loss(self) -> float:
        return float(self.curve[0])

    @property
    def final_loss(self) -> float:
        return float(self.curve[-1])

    @property
    def peak_loss(self) -> float:
        """The highest loss after the first step."""
        return float(self.curve[1:].max()) if len(self.curve) > 1 else self.first_loss

    @property
    def steps(self) -> int:
        return len(self.curve) - 1

    @cached_property
    def rises(self) -> int:
        """How many steps made the loss go up."""
        return loss_rises(self.curve)

    @property
    def climbed(self) -> bool:
        """The loss went above where it started: steps that overshoot the bottom of the bowl."""
        return bool(self.rises > 0 and self.peak_loss > self.first_loss)

    @property
    def loss_moved(self) -> float:
        """The largest distance of the loss from its starting value at any iteration."""
        return float(np.max(np.abs(self.curve - self.curve[0])))

    @property
    def diverged(self) -> bool:
        return self.result.diverged_at is not None

    @property
    def diverged_at(self) -> int | None:
        return self.result.diverged_at

    @property
    def divergence_reason(self) -> str | None:
        """What stopped a diverging run, in the words the page's warning uses."""
        return self.result.model.divergence_reason_

    @property
    def n_iter(self) -> int:
        return int(self.result.model.n_iter_)

    @cached_property
    def best_loss(self) -> float | None:
        """The lowest loss a model of this form reaches on the training data (None if there is none)."""
        optimum = run_optimum(self.result)
        return optimum.loss if optimum.note is None else None

    @property
    def gap(self) -> float | None:
        """How far above the best possible loss the run ended."""
        return None if self.best_loss is None else max(self.final_loss - self.best_loss, 0.0)

    # --- weights ---------------------------------------------------------------------------------------------

    @cached_property
    def largest_weight_ever(self) -> float:
        """The largest size any weight or intercept reached at any recorded iteration."""
        model = self.result.model
        return float(max(np.max(np.abs(model.coef_history_)), np.max(np.abs(model.intercept_history_))))

    @cached_property
    def top(self):
        """The weight table's first row: the input that pushes hardest, per standard deviation."""
        return self.result.weights().iloc[0]

    @property
    def top_input(self) -> str:
        return str(self.top["input"])

    @property
    def top_weight(self) -> float:
        return float(self.top["standardized"])

    @property
    def top_per_unit(self) -> float:
        return float(self.top["per_unit"])

    @property
    def top_class(self) -> str:
        return str(self.top["class"])

    @property
    def top_size(self) -> float:
        return abs(self.top_weight)

    @property
    def top_direction(self) -> str:
        return "raises" if self.top_weight > 0 else "lowers"

    @property
    def n_inputs(self) -> int:
        return self.result.train.n_features

    @property
    def n_weights(self) -> int:
        """Weights and intercepts the model learns."""
        model = self.result.model
        return int(model.coef_.size + (model.intercept_.size if model.fit_intercept else 0))

    # --- accuracy and loss on each part ----------------------------------------------------------------------

    @cached_property
    def summary(self) -> dict:
        return self.result.summary()

    @property
    def train_loss(self) -> float:
        return self.summary["train_loss"]

    @property
    def test_loss(self) -> float | None:
        return self.summary.get("test_loss")

    @property
    def train_accuracy(self) -> float:
        return self.summary["train_accuracy"]

    @property
    def test_accuracy(self) -> float | None:
        return self.summary.get("test_accuracy")

    @property
    def chance(self) -> float:
        """The accuracy of always answering the most common training class."""
        return chance_accuracy(self.result.train.y)

    # --- test loss over the run: overfitting -----------------------------------------------------------------

    @cached_property
    def _test_low(self) -> int:
        return int(np.argmin(self.result.test_curves.loss))

    @property
    def test_min(self) -> float | None:
        return None if self.result.test_curves is None else float(self.result.test_curves.loss[self._test_low])

    @property
    def test_min_at(self) -> int | None:
        return None if self.result.test_curves is None else int(self.result.test_curves.iterations[self._test_low])

    @property
    def test_final(self) -> float | None:
        return None if self.result.test_curves is None else float(self.result.test_curves.loss[-1])

    @property
    def test_rise(self) -> float | None:
        """How far the test loss climbed from its lowest point to the end of the run."""
        return None if self.test_min is None else self.test_final - self.test_min

    @property
    def train_fall_after(self) -> float | None:
        """How far the training loss kept falling after the test loss was at its lowest."""
        if self.result.test_curves is None:
            return None
        train = self.result.train_curves.loss
        return float(train[self._test_low] - train[-1])

    # --- each training point's loss --------------------------------------------------------------------------

    @cached_property
    def points(self):
        return point_losses(self.result, self.result.train)

    @cached_property
    def _worst(self) -> int:
        return int(np.argmax(self.points.loss))

    @property
    def worst_loss(self) -> float:
        return float(self.points.loss[self._worst])

    @property
    def worst_p(self) -> float:
        return float(self.points.p_true[self._worst])

    @property
    def typical_loss(self) -> float:
        """The median training point's loss."""
        return float(np.median(self.points.loss))

    @property
    def worst_ratio(self) -> float:
        return self.worst_loss / max(self.typical_loss, 1e-300)

    @property
    def n_wrong(self) -> int:
        """Training points on the wrong side of the boundary."""
        return int(np.sum(self.points.predicted != self.points.y))

    @property
    def n_train(self) -> int:
        return self.result.train.n_samples

    # --- classes and the confusion matrix --------------------------------------------------------------------

    @property
    def n_classes(self) -> int:
        return len(self.result.classes)

    @cached_property
    def matrix(self) -> np.ndarray:
        part = self.result.test if self.result.test is not None else self.result.train
        predicted = self.result.model.predict(self.result.feature_map.transform(part.X))
        return confusion(part.y, predicted, self.result.classes)

    @property
    def confused(self) -> int:
        """Points the confusion matrix puts off its diagonal (test points, or training points with no test part)."""
        return int(self.matrix.sum() - np.trace(self.matrix))

    @property
    def matrix_total(self) -> int:
        return int(self.matrix.sum())

    @property
    def most_confused(self) -> str:
        """The commonest mistake in words ('class a taken for class b (n points)'); every one of them if tied."""
        off = self.matrix - np.diag(np.diag(self.matrix))
        most = int(off.max())
        classes = self.result.classes
        pairs = [
            f"class {classes[i]} taken for class {classes[j]}" for i, j in zip(*np.nonzero(off == most), strict=True)
        ]
        if len(pairs) == 1:
            return f"{pairs[0]} ({most} point{'s' if most != 1 else ''})"
        return f"{', '.join(pairs[:-1])} and {pairs[-1]} ({most} point{'s' if most != 1 else ''} each)"

    # --- the shape of the bowl -------------------------------------------------------------------------------

    @cached_property
    def stretch(self) -> float:
        """How many times steeper the loss bowl is across its narrow side than along its long one, at the start.

        At zero weights every p is 1/2, so the curvature of the mean cross-entropy is the covariance of the
        model's inputs times p(1 - p) = 1/4, plus the L2 penalty in every direction: its steepest and
        flattest directions are those of the inputs.
        """
        X = self.result.feature_map.transform(self.result.train.X)
        eig = np.linalg.eigvalsh(np.atleast_2d(np.cov(X.T))) / 4 + self.result.config.alpha
        return float(eig[-1] / max(eig[0], 1e-300))

    # --- where the data came from ----------------------------------------------------------------------------

    @property
    def uploaded(self) -> bool:
        """The run trained on a table the user gave (with column roles), not on a built-in set."""
        return self.result.train.table is not None

    @property
    def data_name(self) -> str:
        return self.result.train.name.removesuffix(" (train)")

    @property
    def target(self) -> str:
        return self.result.train.target_name

    @property
    def rows(self) -> int:
        return self.result.train.n_samples + (0 if self.result.test is None else self.result.test.n_samples)
