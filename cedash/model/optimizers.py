"""Update rules: how a gradient becomes a step.

Each optimiser updates the parameter array in place and keeps its own state
(velocity, moment estimates) in arrays allocated once, so one training step
allocates nothing. All four follow the usual textbook definitions:

gd        theta <- theta - lr * g                       (the tutorial's rule)
momentum  v <- mu v + g;      theta <- theta - lr * v   (heavy ball)
nesterov  v <- mu v + g;      theta <- theta - lr * (g + mu v)
adam      m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) g^2;
          theta <- theta - lr * m_hat / (sqrt(s_hat) + eps)
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("gd", "momentum", "nesterov", "adam")
# How the page, the charts and the tables name each rule; the short names above stay in links and the API.
OPTIMIZER_NAMES = {"gd": "gradient descent", "momentum": "momentum", "nesterov": "Nesterov", "adam": "Adam"}
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8


class GD:
    def __init__(self, shape, learning_rate: float, **_):
        self.lr = learning_rate
        self._step = np.zeros(shape)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        np.multiply(grad, self.lr, out=self._step)
        theta -= self._step


class Momentum:
    def __init__(self, shape, learning_rate: float, momentum: float = 0.9, **_):
        self.lr, self.mu = learning_rate, momentum
        self.velocity = np.zeros(shape)
        self._step = np.zeros(shape)

    def step(self, theta, grad):
        self.velocity *= self.mu
        self.velocity += grad
        np.multiply(self.velocity, self.lr, out=self._step)
        theta -= self._step


class Nesterov(Momentum):
    # The look-ahead form that needs only the gradient at the current weights.
    def step(self, theta, grad):
        self.velocity *= self.mu
        self.velocity += grad
        np.multiply(self.velocity, self.mu, out=self._step)
        self._step += grad
        self._step *= self.lr
        theta -= self._step


class Adam:
    def __init__(self, shape, learning_rate: float, beta1=ADAM_BETA1, beta2=ADAM_BETA2, epsilon=ADAM_EPSILON, **_):
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta1, beta2, epsilon
        self.m = np.zeros(shape)
        self.s = np.zeros(shape)
        self._tmp = np.zeros(shape)
        self.t = 0

    def step(self, theta, grad):
        self.t += 1
        self.m *= self.b1
        self.m += (1 - self.b1) * grad
        np.multiply(grad, grad, out=self._tmp)
        self.s *= self.b2
        self.s += (1 - self.b2) * self._tmp
        lr_t = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        # eps is scaled so that it matches the bias-corrected textbook form exactly.
        eps_t = self.eps * np.sqrt(1 - self.b2**self.t)
        np.sqrt(self.s, out=self._tmp)
        self._tmp += eps_t
        np.divide(self.m, self._tmp, out=self._tmp)
        self._tmp *= lr_t
        theta -= self._tmp


def make_optimizer(name: str, shape, learning_rate: float, momentum: float = 0.9):
    """Build the optimiser called ``name`` for parameters of the given shape."""
    table = {"gd": GD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam}
    if name not in table:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {name!r}")
    return table[name](shape, learning_rate, momentum=momentum)
