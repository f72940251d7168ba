"""Fault injection for the browser tests: on PYTHONPATH, Python imports this at start-up.

With ``CEDASH_TEST_FAULT_LR`` set (say "0.0123"), every fit whose learning rate equals that value raises
``RuntimeError("injected fault")``, so a test can make one training run fail inside a real server without
touching product code. ``fit`` is patched on the class because callers look it up at call time, while
``run`` is imported by name elsewhere. The server's PYTHONPATH names the repository root too
(``harness.server.python_path_with``), which is how ``harness`` is importable this early.
"""

from __future__ import annotations

import os

_FAULT_LR = os.environ.get("CEDASH_TEST_FAULT_LR")


def _patch(module) -> None:
    cls = module.GradientDescentClassifier
    original = cls.fit
    fault_lr = float(_FAULT_LR)

    def fit(self, X, y, callback=None):
        if float(self.learning_rate) == fault_lr:
            raise RuntimeError("injected fault")
        return original(self, X, y, callback=callback)

    cls.fit = fit


if _FAULT_LR:
    from harness.import_hooks import patch_after_import

    patch_after_import("cedash.model.classifier", _patch)
