"""A real `streamlit run app.py` on a free port, healthy before it is handed out and stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Server logs and failure screenshots of the test runs (git-ignored); the benchmarks write to benchmarks/results.
TEST_ARTIFACTS = REPO_ROOT / "test-artifacts"
START_TIMEOUT = 60.0
LOG_TAIL_CHARS = 3000


class ServerError(RuntimeError):
    """The server exited or never answered; the message ends with the tail of its log."""


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log_path: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_args(port: int, script: str = "app.py") -> list[str]:
    """The arguments after ``streamlit``: no file watcher, no browser, no usage statistics."""
    return [
        "run",
        script,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]


def streamlit_command(port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", *streamlit_args(port)]


def python_path_with(*folders: Path | str) -> str:
    """A PYTHONPATH with ``folders`` first, then the repository root, then the current one.

    A ``sitecustomize`` in one of the folders runs before the server's script directory is on ``sys.path``,
    so the root is named too: that is how such a hook can import ``harness``.
    """
    parts = [*map(str, folders), str(REPO_ROOT), os.environ.get("PYTHONPATH")]
    return os.pathsep.join(p for p in parts if p)


def _log_tail(log_path: Path) -> str:
    with contextlib.suppress(OSError):
        return log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
    return "(no log)"


def _wait_until_healthy(proc: subprocess.Popen, url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServerError(
                f"streamlit exited with code {proc.returncode} before answering; {log_path} ends with:\n"
                + _log_tail(log_path)
            )
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return
        if time.monotonic() > deadline:
            raise ServerError(
                f"streamlit did not answer {url}/_stcore/health within {timeout:.0f} s; {log_path} ends with:\n"
                + _log_tail(log_path)
            )
        time.sleep(0.25)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def streamlit_server(
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = START_TIMEOUT,
    command: Callable[[int], list[str]] = streamlit_command,
) -> Iterator[Server]:
    """Start the app on a free port and yield it once ``/_stcore/health`` answers; stop it on the way out.

    ``env`` holds variables to add to (or override in) this process's environment, for the server only.
    ``command`` turns the port into the command line, for a benchmark that wraps the server in its own code.
    Raises ``ServerError`` with the end of the server's log if the server exits or never answers.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command(port),
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        try:
            _wait_until_healthy(proc, url, log_path, timeout)
            yield Server(url=url, pid=proc.pid, log_path=log_path)
        finally:
            _stop(proc)
