"""A cProfile of the server's script runs under load: on the server's PYTHONPATH, Python imports this at start.

With ``CEDASH_PROFILE_OUT`` naming a file, every script run (each in its session's thread) is profiled and
the profiles are added up; the sum is written there as pstats data every 20 runs and when the server exits. Times
are each thread's CPU time, so waiting for the GIL or for a core does not count.
Read it with ``python -m pstats FILE`` (``sort cumtime``, ``stats 40``). Work outside the script runs (sending
messages, compressing them) happens on the server's event loop and is not in this profile.
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import threading
import time

_OUT = os.environ.get("CEDASH_PROFILE_OUT")


def _patch(module) -> None:
    runner = module.ScriptRunner
    original = runner._run_script
    lock = threading.Lock()
    total: list[pstats.Stats | None] = [None]
    count = [0]

    def dump() -> None:
        with lock:
            if total[0] is not None:
                total[0].dump_stats(_OUT)

    def _run_script(self, rerun_data):
        # CPU time of this thread, not wall time: with many sessions, wall time is mostly waiting for the GIL.
        profile = cProfile.Profile(time.thread_time)
        profile.enable()
        try:
            return original(self, rerun_data)
        finally:
            profile.disable()
            with lock:
                if total[0] is None:
                    total[0] = pstats.Stats(profile)
                else:
                    total[0].add(profile)
                count[0] += 1
                due = count[0] % 20 == 0
            if due:
                dump()

    runner._run_script = _run_script
    atexit.register(dump)


if _OUT:
    from harness.import_hooks import patch_after_import

    patch_after_import("streamlit.runtime.scriptrunner.script_runner", _patch)

# Python imports one sitecustomize: this one comes first on the path, so it loads the load test's probe too.
if os.environ.get("CEDASH_LOADTEST_PROBE"):
    import importlib.util
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location(
        "cedash_rerun_probe", Path(__file__).resolve().parents[1] / "rerun_probe" / "sitecustomize.py"
    )
    _spec.loader.exec_module(importlib.util.module_from_spec(_spec))
