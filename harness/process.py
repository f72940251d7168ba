"""What a server process and its children use, read from /proc (Linux only): memory and CPU time."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return pids


def _status_mb(pid: int, field: str, missing: float = float("nan")) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return missing


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its children, now."""
    total = 0.0
    for p in process_tree(pid):
        with contextlib.suppress(OSError, ValueError):
            total += _status_mb(p, "VmRSS", missing=0.0)  # a zombie has no VmRSS line
    return total


def peak_rss_mb(pid: int) -> float:
    """The process's own resident-memory high-water mark (VmHWM)."""
    return _status_mb(pid, "VmHWM")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process and its children so far."""
    total = 0
    for p in process_tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # Fields after the command name (which may hold spaces) start at the last ')'.
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_queue_seconds(pid: int) -> float:
    """Seconds the threads of ``pid`` and its children spent ready to run but waiting for a CPU."""
    total = 0
    for p in process_tree(pid):
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                total += int((task / "schedstat").read_text().split()[1])
    return total / 1e9
