"""Have every numba kernel the dashboard uses compiled, without making the first visitor wait for it.

numba compiles a kernel on its first call while holding the GIL, and caches the
result on disk. On a fresh checkout compiling all of them takes several
seconds, so a server starts :func:`warm_up_in_background`: the kernels are
compiled into the disk cache by a separate process, at a low priority, while
this one trains on the numpy path (without even importing numba), and once
they are there this process loads them (a fraction of a second) and switches
to the compiled path. Both paths compute the same
loss and gradient (the tests hold them to 1e-11). A run whose loss oscillates
grows that rounding into a different curve, so the dashboard's run cache keeps
the two paths' runs apart (``dashboard/run_cache.py``): once the compiled path
is on, every session gets its runs.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from cedash.data.builtin_datasets import load_dataset
from cedash.model import compiled
from cedash.runs.experiment import RunConfig, run
from cedash.runs.sweep import sweep

log = logging.getLogger("cedash.warm_up")


def warm_up() -> float:
    """Compile (or load from numba's cache) every kernel the dashboard uses; returns the seconds it took."""
    start = time.perf_counter()
    if compiled.enabled():
        for name in ("xor", "three blobs"):
            data = load_dataset(name, n_samples=30)
            for optimizer in ("gd", "adam"):
                run(data, RunConfig(max_iter=2, optimizer=optimizer))
            sweep(data, RunConfig(max_iter=2), [0.1, 1.0])
    return time.perf_counter() - start


class BackgroundWarmUp:
    """The compiled path, made ready by a child process while this process answers on the numpy path.

    With ``hold_s`` the child waits until :meth:`go` is called (once the first page is on screen) or
    ``hold_s`` seconds have passed: on a fresh server the child's imports and compiling take a whole core
    for several seconds, which the first page would otherwise share on a small machine.
    """

    def __init__(self, hold_s: float = 0.0) -> None:
        self.ready = threading.Event()
        self.seconds: float | None = None
        self.hold_s = hold_s
        self._go = threading.Event()
        self._thread = threading.Thread(target=self._prepare, name="cedash-warm-up", daemon=True)

    def go(self) -> None:
        """Start compiling now, if it is still held."""
        self._go.set()

    def start(self) -> BackgroundWarmUp:
        if not compiled.wanted():  # no numba, or CEDASH_COMPILED=0: nothing to prepare
            self.ready.set()
            return self
        compiled.set_enabled(False)
        self._thread.start()
        return self

    def _prepare(self) -> None:
        self._go.wait(self.hold_s)
        start = time.perf_counter()
        try:
            # The child imports this very copy of cedash, wherever the server was started from.
            root = str(Path(__file__).resolve().parents[2])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
            child = subprocess.run(
                [sys.executable, "-m", "cedash.runs.warm_up", str(os.getpid())],
                capture_output=True,
                text=True,
                timeout=600,
                env=env,
            )
            if child.returncode != 0:
                log.warning("compiling the kernels in a child process failed; compiling here: %s", child.stderr[-500:])
            # numba is imported before the compiled path is switched on: sessions keep the numpy path meanwhile.
            if not compiled.load():
                raise RuntimeError("numba is installed but cannot be imported")
            compiled.set_enabled(True)
            warm_up()  # loads what the child compiled; compiles here only if the child could not
        except Exception:  # the numpy path keeps serving: slower, never wrong
            compiled.set_enabled(False)
            log.exception("the compiled kernels could not be prepared; training stays on the numpy path")
        finally:
            self.seconds = time.perf_counter() - start
            self.ready.set()


def warm_up_in_background(hold_s: float = 0.0) -> BackgroundWarmUp:
    """Start preparing the compiled kernels (after :meth:`BackgroundWarmUp.go` or ``hold_s``); returns at once."""
    return BackgroundWarmUp(hold_s).start()


def _exit_with(parent: int) -> None:
    """End this process once ``parent`` has: a stopped server leaves no compiling behind it."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1:  # the server's process id, given by BackgroundWarmUp
        threading.Thread(target=_exit_with, args=(int(sys.argv[1]),), name="cedash-exit-with", daemon=True).start()
    # Compiling is background work: at a low priority it takes only the CPU that a browser drawing the
    # first page, and the server answering it, leave over (on a small machine they otherwise share it).
    if hasattr(os, "nice"):
        os.nice(10)
    print(f"compiled kernels ready in {warm_up():.2f} s")
