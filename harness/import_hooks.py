"""Run a patch on a module right after it is first imported, from a ``sitecustomize`` loaded into a server.

Tests inject faults and benchmarks add probes this way without changing the app: the hook waits for its
module, so a process that never imports it imports nothing extra.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def __init__(self, target: str, patch: Callable[[ModuleType], None]):
        self.target = target
        self.patch = patch

    def find_spec(self, fullname, path, target=None):
        if fullname != self.target:
            return None
        # Let the ordinary finders locate the module, then run the patch right after it executes.
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            self.patch(module)
            sys.meta_path.remove(self)

        spec.loader.exec_module = exec_and_patch
        return spec


def patch_after_import(target: str, patch: Callable[[ModuleType], None]) -> None:
    """Call ``patch(module)`` once ``target`` has been imported and executed."""
    sys.meta_path.insert(0, _PatchOnImport(target, patch))
