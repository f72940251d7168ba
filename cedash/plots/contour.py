"""Where a gridded function crosses a level: the decision boundary as lines.

The boundary chart draws its 0.5 line as plain line traces computed here, so
the page never traces a contour itself on a redraw. contourpy does the tracing.
"""

from __future__ import annotations

import contourpy
import numpy as np


def level_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float) -> list[np.ndarray]:
    """The curves where the grid ``z[i, j]`` (at ``(x[j], y[i])``) crosses ``level``, as ``(k, 2)`` point arrays.

    Crossings are interpolated linearly along the cell edges. A line that leaves
    the grid ends at its border; a closed one ends where it started. In a saddle
    cell (the level crosses all four edges) the mean of the cell's corners
    decides which crossings join. Cells touching a NaN or infinite value are left out.
    """
    generator = contourpy.contour_generator(
        np.asarray(x, dtype=np.float64),
        np.asarray(y, dtype=np.float64),
        np.ma.masked_invalid(np.asarray(z, dtype=np.float64)),
        line_type=contourpy.LineType.Separate,
    )
    return list(generator.lines(level))
