"""cedash: see and tune how a classifier learns by gradient descent on the cross-entropy loss."""

__version__ = "0.1.0"

from .classifier import GradientDescentClassifier
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

__all__ = [
    "GradientDescentClassifier",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "categorical_cross_entropy",
    "cross_entropy_loss",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy_grad",
    "softmax_cross_entropy_with_logits",
]
