"""A new server's first page does without numba: it trains on the numpy path while the kernels compile elsewhere.

Each check runs in a fresh interpreter, since this one has imported everything long ago.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The dashboard's first run, as a browser gets it from a new server. The warm-up's child process is kept
# from ever finishing, so that numba could only have come from the page's own path.
FIRST_PAGE = f"""
import sys, threading
from cedash.runs import warm_up
never = threading.Event()
warm_up.subprocess.run = lambda *args, **kwargs: never.wait()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=120)
at.run()
print(len(at.exception), len(at.get("plotly_chart")), warm_up.compiled.AVAILABLE)
print(sorted(name for name in ("numba", "llvmlite") if name in sys.modules))
"""


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **env}
    environ.pop("CEDASH_COMPILED", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=environ)


def test_the_first_page_is_drawn_without_importing_numba():
    out = run_python(FIRST_PAGE)
    assert out.returncode == 0, out.stderr
    errors, charts, installed = out.stdout.split("\n")[0].split()
    assert (errors, installed) == ("0", "True") and int(charts) >= 2  # the boundary and the loss, on the numpy path
    assert out.stdout.split("\n")[1] == "[]", "the first page imported numba"


def test_numba_is_imported_once_the_compiled_path_is_asked_for():
    code = (
        "import sys; from cedash.model import compiled\n"
        "before = 'numba' in sys.modules\n"
        "print(before, compiled.enabled(), 'numba' in sys.modules, type(compiled.objective_pass).__name__)"
    )
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "True", "CPUDispatcher"]


def test_a_numba_that_cannot_be_imported_leaves_everything_on_the_numpy_path(tmp_path):
    # Installed but broken, as a numba built for another numpy is: found on the path, fails on import.
    (tmp_path / "numba").mkdir()
    (tmp_path / "numba" / "__init__.py").write_text("raise ImportError('this numba needs another numpy')\n")
    code = (
        "from cedash import GradientDescentClassifier; from cedash.model import compiled\n"
        "from cedash.runs.warm_up import warm_up_in_background\n"
        "found = compiled.AVAILABLE\n"
        "job = warm_up_in_background()\n"
        "m = GradientDescentClassifier(max_iter=50).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])\n"
        "assert job.ready.wait(120)\n"
        "print(found, compiled.AVAILABLE, compiled.enabled(), m.predict([[0.0], [3.0]]).tolist())"
    )
    out = run_python(code, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "True False False [0, 1]"
