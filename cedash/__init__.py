"""cedash: see and tune how a classifier learns by gradient descent on the cross-entropy loss.

The public API, in the order a newcomer meets it:

- losses: ``cross_entropy_loss`` (the tutorial's), the exact logit forms and their gradients;
- ``GradientDescentClassifier``: a scikit-learn style estimator trained by gradient descent;
- data: ``load_dataset``, ``read_csv``, ``Dataset``, ``DataError``, ``FeatureMap``;
- runs: ``RunConfig`` and ``run`` (split, features, fit, curves), ``sweep`` (many learning rates at once).
"""

from .builtin_datasets import dataset_names, load_dataset
from .classifier import GradientDescentClassifier
from .csv_reader import read_csv
from .dataset import DataError, Dataset
from .experiment import RunConfig, RunResult, run
from .features import FeatureMap
from .losses import (
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
from .sweep import SweepResult, log_spaced_rates, sweep

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Dataset",
    "FeatureMap",
    "GradientDescentClassifier",
    "RunConfig",
    "RunResult",
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
    "run",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy_grad",
    "softmax_cross_entropy_with_logits",
    "sweep",
]
