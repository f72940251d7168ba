"""Every loss and gradient in cedash.losses, checked against scipy and scikit-learn."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import log_expit, log_softmax
from sklearn.metrics import log_loss

from cedash import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    binary_cross_entropy_with_logits,
    categorical_cross_entropy,
    cross_entropy_loss,
    sigmoid,
    softmax_cross_entropy_grad,
    softmax_cross_entropy_with_logits,
)

ARTICLE_Y = np.array([1, 0, 1, 0])
ARTICLE_P = np.array([0.8, 0.3, 0.7, 0.2])


def test_article_value_and_sklearn_agree():
    assert cross_entropy_loss(ARTICLE_Y, ARTICLE_P) == 0.2899092476264711
    assert cross_entropy_loss(ARTICLE_Y, ARTICLE_P) == pytest.approx(log_loss(ARTICLE_Y, ARTICLE_P), rel=1e-15)


def test_per_sample_form_matches_mean():
    per = binary_cross_entropy(ARTICLE_Y, ARTICLE_P, reduction="none")
    assert per.shape == (4,)
    np.testing.assert_allclose(per, [-np.log(0.8), -np.log(0.7), -np.log(0.7), -np.log(0.8)], rtol=1e-15)
    assert per.mean() == pytest.approx(cross_entropy_loss(ARTICLE_Y, ARTICLE_P), rel=1e-15)
    assert binary_cross_entropy(ARTICLE_Y, ARTICLE_P, reduction="sum") == pytest.approx(per.sum())


def test_categorical_from_probabilities_matches_sklearn():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(4), size=50)
    y = rng.integers(0, 4, size=50)
    assert categorical_cross_entropy(y, P) == pytest.approx(log_loss(y, P, labels=range(4)), rel=1e-12)
    onehot = np.eye(4)[y]
    assert categorical_cross_entropy(onehot, P) == pytest.approx(categorical_cross_entropy(y, P), rel=1e-14)


def test_clipped_form_caps_at_34_54():
    # The documented weakness of the tutorial's version: a confidently wrong model is under-charged.
    z = np.array([-50.0, -5000.0])
    capped = binary_cross_entropy([1, 1], sigmoid(z), reduction="none")
    np.testing.assert_allclose(capped, -np.log(1e-15), rtol=1e-12)
    exact = binary_cross_entropy_with_logits([1, 1], z, reduction="none")
    np.testing.assert_allclose(exact, [50.0, 5000.0], rtol=1e-12)


ZS64 = np.concatenate([-np.logspace(-8, 4, 400), [0.0], np.logspace(-8, 4, 400), [-1e4, 1e4, -34.6, 34.6]])


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("label", [0, 1])
def test_logit_form_is_exact_everywhere(dtype, rtol, label):
    z = ZS64.astype(dtype)
    y = np.full(z.shape, label)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = binary_cross_entropy_with_logits(y, z, reduction="none")
    assert got.dtype == dtype
    assert np.all(np.isfinite(got))
    # Reference in float64 from scipy on the same (rounded) logits.
    sign = 1.0 if label == 1 else -1.0
    want = -log_expit(sign * z.astype(np.float64))
    # float32 keeps 24 bits: 1e-12 relative is the float64 promise, a few ulp the float32 one.
    # Losses below float32's smallest normal number (1.2e-38) can only be as exact as its subnormal spacing.
    atol = 0.0 if dtype == np.float64 else 1e-44
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=atol)


def test_clipped_float32_breaks_where_logit_form_does_not():
    z = np.array([17.0, 20.0], dtype=np.float32)
    with np.errstate(all="ignore"):
        clipped = binary_cross_entropy(np.array([0, 0], dtype=np.float32), sigmoid(z), reduction="none")
    assert not np.all(np.isfinite(clipped))
    exact = binary_cross_entropy_with_logits(np.array([0, 0]), z, reduction="none")
    np.testing.assert_allclose(exact, [17.0, 20.0], rtol=1e-6)


def test_softmax_loss_matches_scipy_for_huge_logits():
    rng = np.random.default_rng(1)
    Z = rng.normal(scale=3000, size=(200, 5))
    y = rng.integers(0, 5, size=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = softmax_cross_entropy_with_logits(y, Z, reduction="none")
    want = -log_softmax(Z, axis=1)[np.arange(200), y]
    # scipy rounds losses below ~1e-16 to 0 where cedash keeps them; both are right to 1e-15 absolute.
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


finite_logits = st.floats(-60, 60, allow_nan=False, width=64)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=finite_logits), st.data())
def test_binary_loss_nonnegative_and_gradient_matches_finite_difference(z, data):
    y = data.draw(arrays(np.int64, z.shape, elements=st.integers(0, 1)))
    per = binary_cross_entropy_with_logits(y, z, reduction="none")
    assert np.all(per >= 0)
    g = binary_cross_entropy_grad(y, z)
    h = 1e-6
    fd = (
        binary_cross_entropy_with_logits(y, z + h, reduction="none")
        - binary_cross_entropy_with_logits(y, z - h, reduction="none")
    ) / (2 * h)
    np.testing.assert_allclose(g, fd, atol=1e-7)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20), st.integers(2, 6), st.data())
def test_softmax_loss_nonnegative_and_gradient_matches_finite_difference(n, k, data):
    Z = data.draw(arrays(np.float64, (n, k), elements=finite_logits))
    y = data.draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    assert np.all(softmax_cross_entropy_with_logits(y, Z, reduction="none") >= 0)
    G = softmax_cross_entropy_grad(y, Z)
    h = 1e-6
    for j in range(k):
        E = np.zeros_like(Z)
        E[:, j] = h
        fd = (
            softmax_cross_entropy_with_logits(y, Z + E, reduction="none")
            - softmax_cross_entropy_with_logits(y, Z - E, reduction="none")
        ) / (2 * h)
        np.testing.assert_allclose(G[:, j], fd, atol=1e-7)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=st.floats(-700, 700)), st.data())
def test_two_class_softmax_equals_binary(z, data):
    y = data.draw(arrays(np.int64, z.shape, elements=st.integers(0, 1)))
    Z = np.column_stack([np.zeros_like(z), z])
    np.testing.assert_allclose(
        softmax_cross_entropy_with_logits(y, Z, reduction="none"),
        binary_cross_entropy_with_logits(y, z, reduction="none"),
        rtol=1e-12,
        atol=1e-300,
    )


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=st.floats(-15, 15)), st.data())
def test_probability_and_logit_forms_agree_where_both_exact(z, data):
    # Inside |z| <= 15 the clip never binds and 1 - p keeps at least 9 significant digits.
    y = data.draw(arrays(np.int64, z.shape, elements=st.integers(0, 1)))
    np.testing.assert_allclose(
        binary_cross_entropy(y, sigmoid(z), reduction="none"),
        binary_cross_entropy_with_logits(y, z, reduction="none"),
        rtol=1e-9,
        atol=1e-15,
    )


def test_bad_reduction_is_refused():
    with pytest.raises(ValueError, match="reduction"):
        binary_cross_entropy([1], [0.5], reduction="avg")
