"""Where a gridded function crosses a level: the decision boundary as lines.

The boundary chart used to hand plotly a contour trace, and the page then
traced the 0.5 line itself on every redraw, about 70 ms of a learning-rate
change (``benchmarks/bench_app.py``). Tracing it here, by marching squares,
leaves the page plain lines to draw.
"""

from __future__ import annotations

import numpy as np


def level_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float) -> list[np.ndarray]:
    """The curves where the grid ``z[i, j]`` (at ``(x[j], y[i])``) crosses ``level``, as ``(k, 2)`` point arrays.

    Crossings are interpolated linearly along the cell edges. A line that leaves
    the grid ends at its border; a closed one ends where it started. In a saddle
    cell (the level crosses all four edges) the mean of the cell's corners
    decides which crossings join.
    """
    z = np.asarray(z, dtype=np.float64)
    ny, nx = z.shape
    above = z >= level
    X, Y = np.meshgrid(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    # Edges: horizontal ones join (i, j) and (i, j+1), vertical ones (i, j) and (i+1, j).
    h_cut = above[:, :-1] != above[:, 1:]
    v_cut = above[:-1, :] != above[1:, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        th = np.where(h_cut, (level - z[:, :-1]) / (z[:, 1:] - z[:, :-1]), 0.0)
        tv = np.where(v_cut, (level - z[:-1, :]) / (z[1:, :] - z[:-1, :]), 0.0)
    # One id and one point per edge, shared by the two cells beside it, so the pieces of a line meet exactly.
    px = np.concatenate([(X[:, :-1] + th * (X[:, 1:] - X[:, :-1])).ravel(), X[:-1, :].ravel()])
    py = np.concatenate([Y[:, :-1].ravel(), (Y[:-1, :] + tv * (Y[1:, :] - Y[:-1, :])).ravel()])
    h_ids = np.arange(ny * (nx - 1)).reshape(ny, nx - 1)
    v_ids = ny * (nx - 1) + np.arange((ny - 1) * nx).reshape(ny - 1, nx)
    # Per cell, its edges in order bottom, right, top, left.
    ids = np.stack([h_ids[:-1], v_ids[:, 1:], h_ids[1:], v_ids[:, :-1]])
    cut = np.stack([h_cut[:-1], v_cut[:, 1:], h_cut[1:], v_cut[:, :-1]])
    count = cut.sum(axis=0)

    links: dict[int, list[int]] = {}

    def join(a, b) -> None:
        links.setdefault(int(a), []).append(int(b))
        links.setdefault(int(b), []).append(int(a))

    two = count == 2
    first = np.argmax(cut, axis=0)[two]
    last = 3 - np.argmax(cut[::-1], axis=0)[two]
    cells = ids[:, two]
    for a, b in zip(cells[first, np.arange(len(first))], cells[last, np.arange(len(last))], strict=True):
        join(a, b)
    for i, j in zip(*np.nonzero(count == 4), strict=True):
        bottom, right, top, left = ids[:, i, j]
        if (z[i : i + 2, j : j + 2].mean() >= level) == above[i, j]:
            # Corners (i, j) and (i+1, j+1) connect through the centre: the line cuts off the other two.
            join(bottom, right)
            join(top, left)
        else:
            join(left, bottom)
            join(right, top)

    lines = []
    unvisited = set(links)
    # Lines that end on the border of the grid start at an end (an edge with one neighbour); loops anywhere.
    for start in [e for e in links if len(links[e]) == 1] + list(links):
        if start not in unvisited:
            continue
        unvisited.discard(start)
        path, previous, current = [start], None, start
        while True:
            following = [e for e in links[current] if e != previous and e in unvisited]
            if not following:
                if len(path) > 2 and start in links[current]:
                    path.append(start)  # a loop ends where it began
                break
            previous, current = current, following[0]
            unvisited.discard(current)
            path.append(current)
        lines.append(np.column_stack([px[path], py[path]]))
    return lines
