"""cedash: see and tune how a classifier learns by gradient descent on the cross-entropy loss.

The public API, in the order a newcomer meets it:

- losses: ``cross_entropy_loss`` (the tutorial's), the exact logit forms and their gradients;
- ``GradientDescentClassifier``: a scikit-learn style estimator trained by gradient descent;
- data: ``load_dataset``, ``read_csv``, ``Dataset``, ``DataError``, ``FeatureMap``;
- tables as they come: ``read_csv(path, target, features=..., ignore=..., missing="drop"|"fill",
  max_categories=10)`` gives every column a role, kept in ``data.table.plan`` (a ``ColumnPlan``:
  ``.frame()`` is the column / kind / role / note table); ``run`` fits the ``Preparation`` on the
  training part only (``result.preparation``) and ``result.weights()`` is the readable weight table;
- runs: ``RunConfig`` and ``run`` (split, features, fit, curves), ``sweep`` (many learning rates at once);
- using a saved model: ``SavedModel.from_json(text).predict(read_raw(path))``.
"""

from cedash.config import RunConfig
from cedash.data.builtin_datasets import dataset_names, load_dataset
from cedash.data.columns import ColumnInfo, ColumnPlan
from cedash.data.csv_reader import read_csv, read_raw
from cedash.data.dataset import DataError, Dataset
from cedash.data.preparation import Preparation
from cedash.model.classifier import GradientDescentClassifier
from cedash.model.features import FeatureMap
from cedash.model.losses import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    categorical_cross_entropy,
    cross_entropy_loss,
    sigmoid,
    softmax,
    softmax_cross_entropy_grad,
    softmax_cross_entropy_with_logits,
)
from cedash.runs.experiment import RunResult, run
from cedash.runs.saved_model import SavedModel
from cedash.runs.sweep import SweepResult, log_spaced_rates, sweep

__version__ = "0.1.0"

__all__ = [
    "ColumnInfo",
    "ColumnPlan",
    "DataError",
    "Dataset",
    "FeatureMap",
    "GradientDescentClassifier",
    "Preparation",
    "RunConfig",
    "RunResult",
    "SavedModel",
    "SweepResult",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "categorical_cross_entropy",
    "cross_entropy_loss",
    "dataset_names",
    "load_dataset",
    "log_spaced_rates",
    "read_csv",
    "read_raw",
    "run",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy_grad",
    "softmax_cross_entropy_with_logits",
    "sweep",
]
