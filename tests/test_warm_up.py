"""The server's warm-up: kernels compiled in a child process while this one trains on the numpy path."""

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from cedash.config import RunConfig
from cedash.data.builtin_datasets import load_dataset
from cedash.model import compiled
from cedash.runs import warm_up
from cedash.runs.experiment import run


def test_background_warm_up_trains_on_numpy_first_then_switches_to_the_compiled_path(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # a fresh cache: the child really compiles
    data = load_dataset("moons")
    before = compiled.enabled()
    try:
        job = warm_up.BackgroundWarmUp()
        job.start()
        assert not compiled.enabled()  # meanwhile every run takes the numpy path
        meanwhile = run(data, RunConfig())
        assert job.ready.wait(300)
        assert compiled.enabled() and job.seconds is not None
        afterwards = run(data, RunConfig())
        np.testing.assert_allclose(afterwards.loss_curve, meanwhile.loss_curve, rtol=1e-11, atol=1e-14)
        assert any(tmp_path.rglob("*.nbi")), "the child process left no compiled kernels in the cache"
    finally:
        compiled.set_enabled(before)


def test_nothing_to_prepare_when_compiling_is_off():
    before = compiled.enabled()
    try:
        compiled.set_enabled(False)
        job = warm_up.warm_up_in_background()
        assert job.ready.is_set() and not compiled.enabled()
    finally:
        compiled.set_enabled(before)


def test_a_held_warm_up_starts_its_child_only_when_told(monkeypatch):
    started = []
    finished = SimpleNamespace(returncode=0, stderr="")
    monkeypatch.setattr(warm_up.subprocess, "run", lambda *args, **kwargs: started.append(args) or finished)
    monkeypatch.setattr(warm_up, "warm_up", lambda: 0.0)
    before = compiled.enabled()
    try:
        compiled.set_enabled(True)
        job = warm_up.warm_up_in_background(hold_s=60)
        time.sleep(0.3)
        assert not started and not job.ready.is_set()  # held: the first page has the machine to itself
        job.go()
        assert job.ready.wait(10) and len(started) == 1
    finally:
        compiled.set_enabled(before)


def test_the_compiling_child_stops_when_its_server_does(tmp_path):
    # A server that starts the child as BackgroundWarmUp does, then exits at once, long before compiling ends.
    out = tmp_path / "child.out"
    server = (
        "import os, subprocess, sys\n"
        f"with open({str(out)!r}, 'w') as out:\n"
        "    command = [sys.executable, '-m', 'cedash.runs.warm_up', str(os.getpid())]\n"
        "    child = subprocess.Popen(command, stdout=out, stderr=out)\n"
        "print(child.pid)\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": root, "CEDASH_COMPILED": "1"}
    started = subprocess.run([sys.executable, "-c", server], capture_output=True, text=True, timeout=60, env=env)
    assert started.returncode == 0, started.stderr
    child = int(started.stdout)
    deadline = time.monotonic() + 240
    while process_state(child) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process_state(child) in (None, "Z"), "the child outlived its server"
    assert "ready" not in out.read_text(), "the child compiled everything instead of stopping with its server"


def process_state(pid: int) -> str | None:
    """Linux's one-letter state of a process ("Z": ended, waiting to be reaped), or None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def test_the_run_cache_never_serves_a_run_of_the_other_path():
    from dashboard.run_cache import RunCache

    assert compiled.enabled(), "numba is a requirement: the compiled path must be there"
    # Learning rate 50 on the moons oscillates: the two paths' rounding differences grow into different curves.
    data, config = load_dataset("moons"), RunConfig(learning_rate=50.0)
    cache = RunCache()
    with compiled.disabled():
        during_warm_up, cached = cache.get_or_compute("moons at 50", lambda: run(data, config))
    assert not cached
    after, cached = cache.get_or_compute("moons at 50", lambda: run(data, config))
    assert not cached, "a run trained on the numpy path was served on the compiled path"
    assert abs(after.loss_curve[-1] - during_warm_up.loss_curve[-1]) > 0.1
    again, cached = cache.get_or_compute("moons at 50", lambda: run(data, config))
    assert cached and again is after
    with compiled.disabled():
        assert cache.get_or_compute("moons at 50", lambda: run(data, config))[0] is during_warm_up
