"""The compiled kernel against numpy, scipy and cedash's own numpy path."""

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import expit

from cedash import GradientDescentClassifier
from cedash.model import compiled, training
from cedash.model.objectives import BinaryObjective

ULP = np.finfo(np.float64).eps


def test_numba_is_there_and_used():
    # numba is a runtime requirement; without it every test below would test the numpy path twice.
    assert compiled.AVAILABLE and compiled.enabled()
    assert BinaryObjective(np.zeros((3, 1)), np.array([0.0, 1.0, 1.0]), 0.0, True).compiled


def vectorised(f):
    return np.vectorize(f, otypes=[np.float64])


def test_exp_matches_numpy_to_about_one_ulp():
    a = -np.concatenate([np.linspace(0.0, 708.0, 100_001), np.geomspace(1e-300, 1.0, 2001), [0.0, 5e-324]])
    got = vectorised(compiled.exp_nonpositive)(a)
    rel = np.abs(got / np.exp(a) - 1.0)
    assert rel.max() <= 2 * ULP
    assert compiled.exp_nonpositive(0.0) == 1.0
    # Below -708 the result stays at exp(-708), a harmless 3e-308, instead of going subnormal.
    assert compiled.exp_nonpositive(-5000.0) == compiled.exp_nonpositive(-708.0) > 0


def test_log1p_matches_numpy_to_a_few_ulp_and_is_exact_at_one():
    # The kernel never passes less than exp(-708), where exp_nonpositive stops.
    e = np.concatenate([np.exp(-np.linspace(0.0, 708.0, 100_001)), np.linspace(0.0, 1.0, 10_001)[1:]])
    got = vectorised(compiled.log1p_unit)(e)
    assert np.abs(got / np.log1p(e) - 1.0).max() <= 4 * ULP
    assert compiled.log1p_unit(0.0) == 0.0
    assert compiled.log1p_unit(1.0) == np.log(2.0)


def test_panels_hold_every_value_once():
    rng = np.random.default_rng(0)
    for n in (1, compiled.BLOCK - 1, compiled.BLOCK, compiled.BLOCK + 1, 3 * compiled.BLOCK + 7):
        X = rng.standard_normal((n, 3))
        panels = compiled.to_panels(X)
        back = panels.transpose(0, 2, 1).reshape(-1, 3)[:n]
        assert np.array_equal(back, X)
        assert np.all(panels.transpose(0, 2, 1).reshape(-1, 3)[n:] == 0)


def reference_loss_and_grad(X, y, w, b, alpha, fit_intercept):
    # Written independently of cedash: scipy's expit and numpy's logaddexp.
    z = X @ w + (b if fit_intercept else 0.0)
    s = 2.0 * y - 1.0
    loss = np.mean(np.logaddexp(0.0, -s * z)) + 0.5 * alpha * w @ w
    r = (expit(z) - y) / len(y)
    return loss, X.T @ r + alpha * w, (r.sum() if fit_intercept else 0.0)


@pytest.mark.parametrize("n", [1, 5, compiled.BLOCK - 1, compiled.BLOCK, compiled.BLOCK + 1, 5000])
@pytest.mark.parametrize("d", [1, 2, 20])
@pytest.mark.parametrize(("alpha", "fit_intercept"), [(0.0, True), (0.1, False)])
def test_pass_matches_reference(n, d, alpha, fit_intercept):
    rng = np.random.default_rng(n * 100 + d)
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.5).astype(float)
    theta = rng.standard_normal((d + 1, 1))
    grad = np.zeros_like(theta)
    loss = BinaryObjective(X, y, alpha, fit_intercept)(theta, grad)
    want_loss, want_w, want_b = reference_loss_and_grad(X, y, theta[:d, 0], theta[d, 0], alpha, fit_intercept)
    assert loss == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(grad[:d, 0], want_w, rtol=1e-11, atol=1e-15)
    assert grad[d, 0] == pytest.approx(want_b, rel=1e-11, abs=1e-15)


def test_pass_is_exact_for_huge_logits():
    # Logits from -3000 to 3000: the clipped tutorial loss would cap at 34.5 here.
    X = np.linspace(-3.0, 3.0, 4001)[:, None]
    y = (np.arange(4001) % 2).astype(float)
    theta = np.array([[1000.0], [0.0]])
    grad = np.zeros_like(theta)
    loss = BinaryObjective(X, y, 0.0, True)(theta, grad)
    want_loss, want_w, want_b = reference_loss_and_grad(X, y, theta[:1, 0], 0.0, 0.0, True)
    assert np.isfinite(loss) and loss == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(grad[:1, 0], want_w, rtol=1e-12)
    assert grad[1, 0] == pytest.approx(want_b, rel=1e-9, abs=1e-15)


def fit_both(monkeypatch, X, y, chunk_work=None, **params):
    if chunk_work is not None:
        monkeypatch.setattr(training, "CHUNK_WORK", chunk_work)
    calls = []
    fast = GradientDescentClassifier(**params).fit(X, y, callback=lambda it, loss: calls.append((it, loss)))
    with compiled.disabled():
        slow = GradientDescentClassifier(**params).fit(X, y)
    return fast, slow, calls


def assert_same_fit(fast, slow, rtol=1e-11):
    assert fast.n_iter_ == slow.n_iter_
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=rtol)
    np.testing.assert_allclose(fast.coef_, slow.coef_, rtol=1e3 * rtol, atol=1e-12)
    np.testing.assert_allclose(fast.intercept_, slow.intercept_, rtol=1e3 * rtol, atol=1e-12)
    np.testing.assert_array_equal(fast.history_iterations_, slow.history_iterations_)
    np.testing.assert_allclose(fast.coef_history_, slow.coef_history_, rtol=1e3 * rtol, atol=1e-12)
    assert fast.diverged_at_ == slow.diverged_at_
    assert fast.divergence_reason_ == slow.divergence_reason_


def moons(n=300):
    from sklearn.datasets import make_moons

    return make_moons(n, noise=0.2, random_state=0)


def test_compiled_descent_equals_the_numpy_loop(monkeypatch):
    X, y = moons()
    fast, slow, calls = fit_both(monkeypatch, X, y, chunk_work=50_000, max_iter=700, learning_rate=0.5, alpha=0.01,
                                 max_snapshots=101)  # fmt: skip
    assert_same_fit(fast, slow)
    assert fast.history_iterations_[-1] == 700 and len(fast.history_iterations_) == 101
    # Several chunks, so the callback saw the run advance and end at the last iteration.
    iterations = [it for it, _ in calls]
    assert len(iterations) > 3 and iterations == sorted(iterations) and iterations[-1] == 700
    assert calls[-1][1] == fast.loss_curve_[-1]


def test_compiled_descent_stops_early_like_the_numpy_loop(monkeypatch):
    X, y = moons()
    fast, slow, _ = fit_both(monkeypatch, X, y, chunk_work=30_000, max_iter=5000, learning_rate=1.0, tol=1e-6)
    assert 10 < fast.n_iter_ < 5000
    assert_same_fit(fast, slow)


@pytest.mark.parametrize("learning_rate", [60.0, 1e6])
def test_compiled_descent_diverges_like_the_numpy_loop(monkeypatch, learning_rate):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 2)) * [1.0, 30.0]
    y = (X[:, 0] + rng.standard_normal(200) > 0).astype(int)
    fast, slow, _ = fit_both(monkeypatch, X, y, chunk_work=1000, max_iter=300, learning_rate=learning_rate)
    assert fast.diverged_at_ is not None
    assert_same_fit(fast, slow)
    assert np.all(np.isfinite(fast.loss_curve_)) and np.all(np.isfinite(fast.coef_))


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adam"])
@pytest.mark.parametrize("three_classes", [False, True])
def test_every_optimiser_runs_compiled_and_agrees(monkeypatch, optimizer, three_classes):
    from sklearn.datasets import load_iris

    if three_classes:
        X, y = load_iris(return_X_y=True)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    else:
        X, y = moons()
    fast, slow, calls = fit_both(monkeypatch, X, y, chunk_work=20_000, max_iter=300, learning_rate=0.05,
                                 optimizer=optimizer, alpha=0.001)  # fmt: skip
    # Adam divides each gradient component by its own size, so a component that is zero up to rounding
    # (1e-17 either way, depending on the order of a sum) still takes a full step: the two paths part
    # a little more there.
    assert_same_fit(fast, slow, rtol=1e-7 if optimizer == "adam" else 1e-11)
    assert len(calls) > 2 and calls[-1][0] == 300
    assert fast.loss_curve_[-1] < 0.5 * fast.loss_curve_[0]


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_compiled_softmax_diverges_and_stops_early_like_the_numpy_loop(monkeypatch, optimizer):
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)  # unscaled features in the hundreds: large steps blow up
    fast, slow, _ = fit_both(monkeypatch, X, y, chunk_work=5000, max_iter=200, learning_rate=5.0, optimizer=optimizer)
    assert fast.diverged_at_ is not None
    assert_same_fit(fast, slow, rtol=1e-7 if optimizer == "adam" else 1e-11)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    fast, slow, _ = fit_both(monkeypatch, Xs, y, max_iter=5000, learning_rate=0.1, optimizer=optimizer, tol=1e-5)
    assert fast.n_iter_ < 5000
    assert_same_fit(fast, slow, rtol=1e-7 if optimizer == "adam" else 1e-11)


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})  # fmt: skip


def test_environment_switch_turns_the_kernel_off():
    out = run_python("from cedash.model import compiled; print(compiled.enabled())", CEDASH_COMPILED="0")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_without_numba_everything_falls_back_to_numpy():
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "from cedash import GradientDescentClassifier; from cedash.model import compiled\n"
        "m = GradientDescentClassifier(max_iter=50).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])\n"
        "print(compiled.AVAILABLE, compiled.enabled(), m.predict([[0.0], [3.0]]).tolist(), m.n_iter_)"
    )
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False [0, 1] 50"


def test_compiled_sweep_equals_the_numpy_sweep():
    from cedash.config import RunConfig
    from cedash.data.builtin_datasets import load_dataset
    from cedash.runs.sweep import log_spaced_rates, sweep

    rates = log_spaced_rates(1e-3, 1e3, 16)
    for name, config in [
        ("moons", RunConfig(max_iter=300, degree=3, alpha=0.001)),
        ("iris", RunConfig(max_iter=300, alpha=0.01)),
        ("breast cancer", RunConfig(max_iter=50, standardize=False, fit_intercept=False)),
    ]:
        data = load_dataset(name)
        calls = []
        fast = sweep(data, config, rates, callback=lambda it, loss, calls=calls: calls.append(it))
        with compiled.disabled():
            slow = sweep(data, config, rates)
        assert fast.diverged_at == slow.diverged_at
        # The callback follows the sweep to its end: the last iteration, or the one where the last model died.
        assert calls and calls[-1] == (config.max_iter if name != "breast cancer" else max(fast.diverged_at))
        for rate, a, b in zip(rates, fast.loss_curves, slow.loss_curves, strict=True):
            assert len(a) == len(b)
            # Large rates make runs bounce chaotically without diverging (iris from about 5, moons from 20):
            # there rounding decides the path, so only the steady runs are compared number by number.
            if rate <= 1.0:
                np.testing.assert_allclose(a, b, rtol=1e-11)
    # Unstandardised breast-cancer features diverge at every rate but the smallest, and the smallest later.
    assert fast.diverged_at[0] is not None and all(d == 1 for d in fast.diverged_at[1:])


def test_log_of_numbers_from_one_up_matches_numpy():
    s = np.concatenate([1.0 + np.geomspace(1e-300, 1.0, 5001), np.geomspace(1.0, 1e6, 20001), [1.0, 2.0, 3.0]])
    got = vectorised(compiled.log_at_least_one)(s)
    want = np.log(s)
    nonzero = want > 0
    assert np.abs(got[nonzero] / want[nonzero] - 1.0).max() <= 4 * ULP
    assert np.all(got[~nonzero] == 0.0)


@pytest.mark.parametrize(("n", "d", "k"), [(1, 2, 3), (7, 1, 4), (compiled.BLOCK + 3, 2, 3), (3000, 20, 5)])
@pytest.mark.parametrize(("alpha", "fit_intercept"), [(0.0, True), (0.05, False)])
def test_softmax_pass_matches_scipy(n, d, k, alpha, fit_intercept):
    from scipy.special import logsumexp, softmax

    from cedash.model.objectives import SoftmaxObjective

    rng = np.random.default_rng(n + d + k)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, k, n)
    theta = rng.standard_normal((d + 1, k)) * 20  # logits in the hundreds: the max-shift must hold
    grad = np.zeros_like(theta)
    loss = SoftmaxObjective(X, y, k, alpha, fit_intercept)(theta, grad)
    Z = X @ theta[:d] + (theta[d] if fit_intercept else 0.0)
    want = np.mean(logsumexp(Z, axis=1) - Z[np.arange(n), y]) + 0.5 * alpha * np.sum(theta[:d] ** 2)
    R = softmax(Z, axis=1)
    R[np.arange(n), y] -= 1.0
    R /= n
    assert loss == pytest.approx(want, rel=1e-13)
    np.testing.assert_allclose(grad[:d], X.T @ R + alpha * theta[:d], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grad[d], R.sum(axis=0) if fit_intercept else 0.0, rtol=1e-10, atol=1e-14)


def test_compiled_softmax_fit_equals_the_numpy_fit(monkeypatch):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    fast, slow, _ = fit_both(monkeypatch, X, y, max_iter=400, learning_rate=0.5, alpha=0.01)
    assert_same_fit(fast, slow)
    assert fast.coef_.shape == (3, 4)


@pytest.mark.parametrize("k", [2, 3, 6])
@pytest.mark.parametrize("n", [1, compiled.BLOCK + 5, 3000])
@pytest.mark.parametrize(("alpha", "fit_intercept"), [(0.0, True), (0.05, False)])
def test_objective_pass_matches_the_reference_objective(k, n, alpha, fit_intercept):
    from cedash.model.objectives import loss_and_gradient

    rng = np.random.default_rng(k * n)
    X = rng.standard_normal((n, 5))
    y = rng.integers(0, k, n)
    theta = rng.standard_normal((6, 1 if k == 2 else k)) * 5
    grad = np.zeros_like(theta)
    problem = compiled.make_problem(X, y, k, alpha, fit_intercept)
    loss = compiled.objective_pass(problem, theta.reshape(-1), grad.reshape(-1))
    want_loss, want_grad = loss_and_gradient(X, y, theta, alpha, fit_intercept)
    assert loss == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("k", [2, 3])
def test_sweep_kernel_matches_the_reference_for_every_live_model(k):
    from cedash.model.objectives import models_loss_and_gradient

    rng = np.random.default_rng(k)
    n, d, n_models = 2 * compiled.BLOCK + 11, 3, 4
    c = 1 if k == 2 else k
    X = rng.standard_normal((n, d))
    y = rng.integers(0, k, n)
    theta = rng.standard_normal((d + 1, n_models * c))  # the reference's layout: one column per output
    # The kernel's layout: one row per model, holding each output's weights then intercept in turn.
    thetas = np.ascontiguousarray(theta.T.reshape(n_models, c * (d + 1)))
    alive = np.array([True, False, True, True])
    models = compiled.Models(thetas, np.full_like(thetas, 7.0), np.full(n_models, 7.0), alive)
    compiled.models_pass(compiled.make_problem(X, y, k, 0.01, True), models)
    want_losses, want_grad = models_loss_and_gradient(X, y, theta, k, 0.01, True)
    want_grads = want_grad.T.reshape(n_models, c * (d + 1))
    np.testing.assert_allclose(models.losses[alive], want_losses[alive], rtol=1e-13)
    np.testing.assert_allclose(models.grads[alive], want_grads[alive], rtol=1e-10, atol=1e-14)
    # A dead model is skipped: its rows keep what they held.
    assert models.losses[1] == 7.0 and np.all(models.grads[1] == 7.0)


def mixed_columns(n, seed):
    """Numbers, ten two-valued columns (0/1, standardised 0/1, -0.0/0.0 and two values of a number column)
    and a constant one, shuffled: two bytes of packed bits, the second partly used."""
    rng = np.random.default_rng(seed)
    onehot = (rng.random((n, 8)) < [0.1, 0.3, 0.5, 0.7, 0.9, 0.5, 0.2, 0.6]).astype(float)
    standardised = (onehot - onehot.mean(axis=0)) / np.where(onehot.std(axis=0) > 0, onehot.std(axis=0), 1.0)
    signed_zero = np.where(rng.random(n) < 0.5, -0.0, 0.0)
    two_numbers = np.where(rng.random(n) < 0.4, 2.5, -1.25)
    X = np.column_stack([rng.standard_normal((n, 5)), standardised[:, :6], onehot[:, 6:], signed_zero, two_numbers,
                         np.full(n, 3.0)])  # fmt: skip
    return X[:, rng.permutation(X.shape[1])]


def test_two_valued_columns_are_found_bit_for_bit_and_packed_losslessly():
    n = 2 * compiled.BLOCK + 7
    X = mixed_columns(n, 3)
    two, values = compiled.two_valued_columns(X)
    assert len(two) == 10  # every column but the five of numbers and the constant one
    codes = compiled.pack_two_valued(X[:, two], values)
    assert codes.shape == (3, 2, compiled.BLOCK) and codes.dtype == np.uint8
    bytes_by_row = codes.transpose(0, 2, 1).reshape(-1, 2)[:n]
    bits = (bytes_by_row[:, np.arange(len(two)) // compiled.PACK] >> (np.arange(len(two)) % compiled.PACK)) & 1
    rebuilt = np.where(bits == 1, values[:, 1], values[:, 0])
    assert np.array_equal(rebuilt.view(np.int64), X[:, two].view(np.int64))  # -0.0 stays -0.0


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n", [64, compiled.BLOCK + 5, 3000])
@pytest.mark.parametrize(("alpha", "fit_intercept"), [(0.0, True), (0.05, False)])
def test_packed_two_valued_columns_give_the_reference_objective(k, n, alpha, fit_intercept):
    from cedash.model.objectives import loss_and_gradient

    X = mixed_columns(n, k * n)
    rng = np.random.default_rng(n)
    y = rng.integers(0, k, n)
    theta = rng.standard_normal((X.shape[1] + 1, 1 if k == 2 else k))
    problem = compiled.make_problem(X, y, k, alpha, fit_intercept, pack=True)
    assert problem.two.size == 10 and problem.panels.shape[1] == 6
    grad = np.zeros_like(theta)
    loss = compiled.objective_pass(problem, theta.reshape(-1), grad.reshape(-1))
    want_loss, want_grad = loss_and_gradient(X, y, theta, alpha, fit_intercept)
    assert loss == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("k", [2, 3])
def test_sweep_kernel_packs_two_valued_columns_for_every_model(k):
    from cedash.model.objectives import models_loss_and_gradient

    n, n_models, c = 2 * compiled.BLOCK + 11, 3, 1 if k == 2 else k
    X = mixed_columns(n, 7)
    y = np.random.default_rng(8).integers(0, k, n)
    theta = np.random.default_rng(9).standard_normal((X.shape[1] + 1, n_models * c))
    thetas = np.ascontiguousarray(theta.T.reshape(n_models, -1))
    models = compiled.Models(thetas, np.zeros_like(thetas), np.zeros(n_models), np.ones(n_models, dtype=bool))
    compiled.models_pass(compiled.make_problem(X, y, k, 0.01, True, pack=True), models)
    want_losses, want_grad = models_loss_and_gradient(X, y, theta, k, 0.01, True)
    np.testing.assert_allclose(models.losses, want_losses, rtol=1e-13)
    np.testing.assert_allclose(models.grads, want_grad.T.reshape(n_models, -1), rtol=1e-10, atol=1e-14)


def test_large_data_packs_its_two_valued_columns_and_fits_as_unpacked(monkeypatch):
    n = compiled.PACK_MIN_ROWS
    X = mixed_columns(n, 11)
    y = (X @ np.random.default_rng(12).standard_normal(X.shape[1]) > 0).astype(int)
    assert compiled.make_problem(X, y, 2, 0.0, True).two.size == 10
    assert compiled.make_problem(X[:-1], y[:-1], 2, 0.0, True).two.size == 0
    packed = GradientDescentClassifier(max_iter=200, learning_rate=0.3).fit(X, y)
    monkeypatch.setattr(compiled, "PACK_MIN_ROWS", n + 1)
    plain = GradientDescentClassifier(max_iter=200, learning_rate=0.3).fit(X, y)
    assert_same_fit(packed, plain)


# -- a pass split across threads ---------------------------------------------------------------------------------------


def split_data(n, seed):
    X = mixed_columns(n, seed)
    y = (X @ np.random.default_rng(seed + 1).standard_normal(X.shape[1]) > 0).astype(int)
    return X, y


def test_big_two_class_problems_split_their_pass_and_small_ones_do_not(monkeypatch):
    monkeypatch.setattr(compiled, "_cpus", lambda: 2)
    size = split_data(1, 20)[0].shape[1] + 1
    X, y = split_data(-(-compiled.SPLIT_MIN_WORK // size), 20)  # the fewest rows that make the work
    assert compiled.pass_parts(compiled.make_problem(X, y, 2, 0.0, True)) == 2
    assert compiled.pass_parts(compiled.make_problem(X[:-1], y[:-1], 2, 0.0, True)) == 1
    assert compiled.pass_parts(compiled.make_problem(X, y % 2 + (y == 1) * np.arange(len(y)) % 3, 3, 0.0, True)) == 1
    monkeypatch.setattr(compiled, "_cpus", lambda: 1)
    assert compiled.pass_parts(compiled.make_problem(X, y, 2, 0.0, True)) == 1


@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize(("alpha", "fit_intercept"), [(0.0, True), (0.05, False)])
def test_split_pass_gives_the_single_thread_pass(parts, alpha, fit_intercept):
    X, y = split_data(10 * compiled.BLOCK + 77, 21)
    problem = compiled.make_problem(X, y, 2, alpha, fit_intercept)
    assert problem.two.size == 10  # the packed columns' sums are split and added too
    theta = np.random.default_rng(22).normal(size=X.shape[1] + 1)
    whole, split = np.full_like(theta, np.nan), np.full_like(theta, np.nan)
    loss = compiled.objective_pass(problem, theta, whole)
    assert compiled.split_pass(problem, theta, split, parts) == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(split, whole, rtol=1e-12, atol=1e-15)


def fit_split_and_whole(monkeypatch, X, y, **params):
    """The same fit with the pass split in two threads and in one."""
    monkeypatch.setattr(compiled, "_cpus", lambda: 2)
    monkeypatch.setattr(compiled, "SPLIT_MIN_WORK", 8 * compiled.BLOCK * (X.shape[1] + 1))
    calls = []
    split = GradientDescentClassifier(**params).fit(X, y, callback=lambda it, loss: calls.append(it))
    monkeypatch.setattr(compiled, "SPLIT_MIN_WORK", 10**18)
    whole = GradientDescentClassifier(**params).fit(X, y)
    return split, whole, calls


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_training_with_a_split_pass_gives_the_single_thread_numbers(monkeypatch, optimizer):
    X, y = split_data(12 * compiled.BLOCK + 5, 23)
    passes = []
    split_pass = compiled.split_pass
    monkeypatch.setattr(compiled, "split_pass", lambda *args: passes.append(args[-1]) or split_pass(*args))
    split, whole, calls = fit_split_and_whole(monkeypatch, X, y, optimizer=optimizer, max_iter=150, alpha=0.01,
                                              learning_rate=0.3, max_snapshots=31)  # fmt: skip
    assert passes == [2] * 151  # the start and every iteration in two threads; none for the single-thread fit
    assert_same_fit(split, whole, rtol=1e-12)
    assert calls == list(range(1, 151))  # the loop run from Python reports every iteration


def test_a_split_fit_diverges_like_a_single_thread_fit(monkeypatch):
    X, y = split_data(12 * compiled.BLOCK + 5, 24)
    split, whole, _ = fit_split_and_whole(monkeypatch, 50 * X, y, max_iter=100, learning_rate=50.0)
    assert whole.diverged_at_ is not None
    assert_same_fit(split, whole, rtol=1e-12)


def test_two_sessions_training_at_once_each_get_their_own_numbers(monkeypatch):
    import threading

    monkeypatch.setattr(compiled, "_cpus", lambda: 2)
    data = [split_data(12 * compiled.BLOCK + 5, seed) for seed in (25, 26)]
    monkeypatch.setattr(compiled, "SPLIT_MIN_WORK", 8 * compiled.BLOCK * (data[0][0].shape[1] + 1))
    alone = [GradientDescentClassifier(max_iter=120, learning_rate=0.3).fit(X, y) for X, y in data]
    together = [None, None]
    start = threading.Barrier(2)

    def session(i):
        start.wait()
        together[i] = GradientDescentClassifier(max_iter=120, learning_rate=0.3).fit(*data[i])

    threads = [threading.Thread(target=session, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not np.allclose(alone[0].coef_, alone[1].coef_)
    for mine, theirs in zip(together, alone, strict=True):
        # The same split, so the same sums in the same order: equal to the last bit.
        np.testing.assert_array_equal(mine.loss_curve_, theirs.loss_curve_)
        np.testing.assert_array_equal(mine.coef_history_, theirs.coef_history_)


@pytest.mark.parametrize("outputs", [1, 3])
def test_scoring_split_across_threads_gives_the_single_thread_sums(monkeypatch, outputs):
    monkeypatch.setattr(compiled, "_cpus", lambda: 3)
    runs = []
    score_rows = compiled.score_rows
    monkeypatch.setattr(compiled, "score_rows", lambda Z, *rest: runs.append(len(Z)) or score_rows(Z, *rest))
    rng = np.random.default_rng(27)
    rows, models = 3001, 7
    Z = rng.normal(scale=4.0, size=(rows, models, outputs))
    y = rng.integers(0, max(2, outputs), rows)
    results = {}
    for split_min in (Z.size, Z.size + 1):  # three runs of rows, then one
        monkeypatch.setattr(compiled, "SCORE_SPLIT_MIN", split_min)
        runs.clear()
        losses, correct = np.full(models, 2.0), np.full(models, 1.0)  # the scores are added to what is there
        compiled.score_logits(Z, y, losses, correct)
        results[tuple(sorted(runs))] = (losses, correct)  # the threads end in any order
    assert sorted(results) == [(1000, 1000, 1001), (3001,)]
    split, whole = results[(1000, 1000, 1001)], results[(3001,)]
    np.testing.assert_allclose(split[0], whole[0], rtol=1e-13)
    np.testing.assert_array_equal(split[1], whole[1])
    assert np.all(whole[1] > 1.0 + rows / 4)
