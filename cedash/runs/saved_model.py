"""A downloaded model used again: the predicted class and probabilities for the rows of a new table.

The model JSON (:func:`cedash.runs.export.model_json`) holds the preparation of
the table's columns, the feature map and the weights, so the new rows go
through exactly the steps the training rows went through.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cedash.data.csv_reader import RawTable
from cedash.data.dataset import DataError
from cedash.data.preparation import Preparation, new_rows, numeric_preparation
from cedash.model.features import FeatureMap
from cedash.model.losses import log_softmax, sigmoid

FORMAT = "cedash-model/1"


@dataclass(frozen=True)
class SavedModel:
    target: str
    classes: list
    coef: np.ndarray
    intercept: np.ndarray
    feature_map: FeatureMap
    preparation: Preparation

    @classmethod
    def from_json(cls, text: str | bytes) -> SavedModel:
        """Read a model JSON, or raise DataError saying what is wrong with it."""
        try:
            d = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DataError(f"the model file is not JSON ({problem}); give a cedash model JSON") from None
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise DataError(f"the model file is not a cedash model (its format should be {FORMAT!r})")
        try:
            return cls._from_dict(d)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise DataError(f"the model file is incomplete or damaged ({type(exc).__name__}: {exc})") from None

    @classmethod
    def _from_dict(cls, d: Mapping) -> SavedModel:
        fm = d["feature_map"]
        feature_map = FeatureMap(fm["degree"], fm["standardize"])
        # Fitting on one row of zeros sets up the terms; the saved training means and scales then replace its own.
        feature_map.fit(np.zeros((1, len(fm["inputs"]))), fm["inputs"])
        if feature_map.standardize:
            feature_map.mean_ = np.asarray(fm["mean"], dtype=np.float64)
            feature_map.scale_ = np.asarray(fm["scale"], dtype=np.float64)
        if "preparation" in d:
            preparation = Preparation.from_dict(d["preparation"])
        else:
            preparation = numeric_preparation(d["inputs"], d["target"])
        coef = np.asarray(d["coef"], dtype=np.float64)
        intercept = np.asarray(d["intercept"], dtype=np.float64)
        if coef.shape[1] != len(feature_map.feature_names_) or len(intercept) != len(coef):
            raise ValueError("the weights do not fit the model's inputs")
        return cls(d["target"], list(d["classes"]), coef, intercept, feature_map, preparation)

    def probabilities(self, table: RawTable) -> np.ndarray:
        """Class probabilities for every row of ``table``, columns ordered as ``classes``."""
        values = new_rows(self.preparation, table.names, table.frame, table.lines, table.decimal_comma)
        X = self.feature_map.transform(self.preparation.transform(values))
        Z = X @ self.coef.T + self.intercept
        if Z.shape[1] == 1:
            p = sigmoid(Z[:, 0])
            return np.column_stack([1.0 - p, p])
        return np.exp(log_softmax(Z))

    def predict(self, table: RawTable) -> pd.DataFrame:
        """The table's own columns, then the predicted class and one probability column per class."""
        proba = self.probabilities(table)
        out = table.frame.copy()
        out.columns = table.names
        classes = np.asarray(self.classes, dtype=object)
        out[f"predicted {self.target}"] = classes[np.argmax(proba, axis=1)]
        for k, label in enumerate(self.classes):
            out[f"P({self.target}={label})"] = proba[:, k]
        return out
