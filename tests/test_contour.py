"""The level lines of a gridded function: marching squares checked on functions whose level sets are known."""

import numpy as np

from cedash.plots.contour import level_lines


def test_a_straight_boundary_is_one_line_across_the_grid():
    x = np.linspace(-2, 2, 41)
    y = np.linspace(-1, 3, 33)
    X, Y = np.meshgrid(x, y)
    z = 1 / (1 + np.exp(-(2 * X - Y + 0.3)))  # one half exactly on y = 2x + 0.3
    lines = level_lines(x, y, z, 0.5)
    assert len(lines) == 1
    line = lines[0]
    # Linear interpolation of a sigmoid along an edge lands close to the true line, not on it.
    np.testing.assert_allclose(line[:, 1], 2 * line[:, 0] + 0.3, atol=2e-3)
    # It runs from the bottom border to the top one, in order.
    assert {line[0, 1], line[-1, 1]} == {y[0], y[-1]}
    assert np.all(np.diff(line[:, 1]) * np.sign(line[-1, 1] - line[0, 1]) >= 0)


def test_a_circle_is_one_closed_loop_on_the_radius():
    x = y = np.linspace(-2, 2, 80)
    X, Y = np.meshgrid(x, y)
    lines = level_lines(x, y, X**2 + Y**2, 1.0)
    assert len(lines) == 1
    loop = lines[0]
    np.testing.assert_array_equal(loop[0], loop[-1])
    np.testing.assert_allclose(np.hypot(loop[:, 0], loop[:, 1]), 1.0, atol=2e-3)
    # Consecutive points are neighbours on the circle, never a jump across it.
    assert np.max(np.hypot(*np.diff(loop, axis=0).T)) < 2 * (x[1] - x[0])


def test_two_separate_curves_come_out_as_two_lines():
    x = y = np.linspace(-3, 3, 61)
    X, Y = np.meshgrid(x, y)
    lines = level_lines(x, y, X * Y, 1.0)  # the hyperbola xy = 1 has two branches
    assert len(lines) == 2
    for line in lines:
        np.testing.assert_allclose(line[:, 0] * line[:, 1], 1.0, atol=0.02)
        assert len(set(np.sign(line[:, 0]))) == 1  # each branch stays in its quadrant


def test_a_saddle_cell_joins_the_crossings_the_centre_decides():
    x = y = np.array([0.0, 1.0])
    for shift in (0.1, -0.1):
        # Corners (0, 0) and (1, 1) high, the other two low; the shift moves the centre's side.
        z = np.array([[1.0, 0.0], [0.0, 1.0]]) + shift
        lines = level_lines(x, y, z, 0.5)
        assert len(lines) == 2 and all(len(line) == 2 for line in lines)
        mids = sorted(tuple(np.round(line.mean(axis=0), 6)) for line in lines)
        # Centre high: the low corners (1, 0) and (0, 1) are cut off; centre low: the high ones are.
        corners = [(1.0, 0.0), (0.0, 1.0)] if shift > 0 else [(0.0, 0.0), (1.0, 1.0)]
        for corner in corners:
            assert min(np.hypot(m[0] - corner[0], m[1] - corner[1]) for m in mids) < 0.5


def test_no_crossing_gives_no_line():
    x = y = np.linspace(0, 1, 5)
    assert level_lines(x, y, np.full((5, 5), 0.2), 0.5) == []
