"""The load test's server-side probe: on the server's PYTHONPATH, Python imports this at start-up.

With ``CEDASH_LOADTEST_PROBE`` naming a file, every session's rerun is appended to it as
``session-id asked finished`` (monotonic seconds): ``asked`` when a rerun request arrives, ``finished`` when
the ``script_finished`` of the run that answers it is queued for the browser. That is the server's own rerun
latency, whatever the browsers on the same machine are doing. A run cut short by a newer request
(FINISHED_EARLY_FOR_RERUN) does not answer it; the next run does.
"""

from __future__ import annotations

import os
import threading
import time

_OUT = os.environ.get("CEDASH_LOADTEST_PROBE")
_FINISHED_EARLY_FOR_RERUN = 2


def _patch(module) -> None:
    session_cls = module.AppSession
    handle, enqueue = session_cls.handle_backmsg, session_cls._enqueue_forward_msg
    pending, lock = {}, threading.Lock()
    # Line-buffered and open for the life of the server: each rerun is on disk as soon as it is written.
    out = open(_OUT, "a", buffering=1)

    def handle_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            with lock:
                pending.setdefault(self.id, time.monotonic())
        return handle(self, msg)

    def _enqueue_forward_msg(self, msg):
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != _FINISHED_EARLY_FOR_RERUN:
            with lock:
                asked = pending.pop(self.id, None)
                if asked is not None:
                    out.write(f"{self.id} {asked:.6f} {time.monotonic():.6f}\n")
        return enqueue(self, msg)

    session_cls.handle_backmsg, session_cls._enqueue_forward_msg = handle_backmsg, _enqueue_forward_msg


if _OUT:
    from harness.import_hooks import patch_after_import

    patch_after_import("streamlit.runtime.app_session", _patch)
