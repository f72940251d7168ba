"""Fault injection for the browser tests: on PYTHONPATH, Python imports this at start-up.

With ``CEDASH_TEST_FAULT_LR`` set (say "0.0123"), every fit whose learning rate equals that value raises
``RuntimeError("injected fault")``, so a test can make one training run fail inside a real server without
touching product code. ``fit`` is patched on the class because callers look it up at call time, while
``run`` is imported by name elsewhere. The patch waits for ``cedash.model.classifier`` to be imported, so a
process that never trains imports nothing extra.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys

_FAULT_LR = os.environ.get("CEDASH_TEST_FAULT_LR")
_TARGET = "cedash.model.classifier"


def _patch(module) -> None:
    cls = module.GradientDescentClassifier
    original = cls.fit
    fault_lr = float(_FAULT_LR)

    def fit(self, X, y, callback=None):
        if float(self.learning_rate) == fault_lr:
            raise RuntimeError("injected fault")
        return original(self, X, y, callback=callback)

    cls.fit = fit


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        # Let the ordinary finders locate the module, then run the patch right after it executes.
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _patch(module)
            sys.meta_path.remove(self)

        loader.exec_module = exec_and_patch
        return spec


if _FAULT_LR:
    sys.meta_path.insert(0, _PatchOnImport())
