"""The weights of a trained model as a table a person can read.

A weight says how much the log-odds change per unit of its input. Read in
standardised units (per standard deviation of the input on the training part)
the weights of inputs on different scales can be compared; read per unit of
the input itself (per year, per centimetre, per 1 of a 0/1 column) they say
what one more unit does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cedash.model.features import FeatureMap

COLUMNS = ("input", "class", "standardized", "per_unit")


def weight_table(result) -> pd.DataFrame:
    """One row per model input (per input and class for three or more classes), largest standardised weight first.

    ``class`` is the class whose log-odds the weight raises: the second class for
    a two-class model, each class in turn otherwise. ``standardized`` is the
    weight per standard deviation of the input, ``per_unit`` per unit of it.
    """
    fmap = result.feature_map
    coef = np.asarray(result.model.coef_, dtype=np.float64)
    if fmap.standardize:
        scale = fmap.scale_
        standardized, per_unit = coef, coef / scale
    else:
        raw = FeatureMap(fmap.degree, standardize=False).fit_transform(result.train.X, fmap.input_names_)
        spread = raw.std(axis=0)
        standardized, per_unit = coef * np.where(spread > 0, spread, 1.0), coef
    classes = result.classes
    labels = [classes[-1]] if coef.shape[0] == 1 else list(classes)
    names = fmap.feature_names_
    rows = [
        (names[j], _plain(label), float(standardized[k, j]), float(per_unit[k, j]))
        for k, label in enumerate(labels)
        for j in range(coef.shape[1])
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["order"] = np.repeat(np.arange(len(labels)), coef.shape[1])
    frame["size"] = -frame["standardized"].abs()
    frame = frame.sort_values(["order", "size"], kind="stable").drop(columns=["order", "size"])
    return frame.reset_index(drop=True)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
