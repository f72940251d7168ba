"""HAProxy in front of several real `streamlit run app.py` replicas, with the configuration in deploy/.

The tests and the load generator use deploy/haproxy.cfg as it is, with its ``server`` lines replaced by one
line per replica started here (deploy/serve.sh does the same), so what they check is what is deployed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.server import REPO_ROOT, Server, ServerError, free_port, streamlit_server

CONFIG = REPO_ROOT / "deploy" / "haproxy.cfg"
START_TIMEOUT = 30.0


class ProxyMissing(RuntimeError):
    """HAProxy is not installed; scripts/test.sh installs Debian's package."""


@dataclass(frozen=True)
class Proxy:
    url: str
    pid: int
    replicas: tuple[Server, ...]

    def replica(self, name: str) -> Server:
        """The replica behind a stickiness cookie's value (``replica_name``)."""
        return self.replicas[int(name.removeprefix("app")) - 1]


def require_haproxy() -> str:
    path = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.path.exists(p)), None)
    if path is None:
        raise ProxyMissing("haproxy is not installed: run `apt-get install -y haproxy` (scripts/test.sh does)")
    return path


def replica_name(index: int) -> str:
    """The name (and the stickiness cookie's value) of the ``index``-th replica, counted from 1."""
    return f"app{index}"


def config_for(addresses: list[str]) -> str:
    """deploy/haproxy.cfg with one ``server`` line per ``host:port`` in ``addresses``."""
    lines = [line for line in CONFIG.read_text().splitlines() if not line.strip().startswith("server ")]
    for i, address in enumerate(addresses, start=1):
        lines.append(f"    server {replica_name(i)} {address} cookie {replica_name(i)}")
    return "\n".join(lines) + "\n"


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with contextlib.suppress(OSError):
        with opener.open(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    return False


@contextlib.contextmanager
def haproxy(addresses: list[str], log_path: Path) -> Iterator[tuple[str, int]]:
    """Run HAProxy in front of ``addresses`` on a free port; yields its URL and process id."""
    binary = require_haproxy()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder, open(log_path, "wb") as log:
        config = Path(folder) / "haproxy.cfg"
        config.write_text(config_for(addresses))
        proc = subprocess.Popen(
            [binary, "-db", "-f", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "CEDASH_PROXY_PORT": str(port)},
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise ServerError(f"haproxy did not serve {url}; {log_path} ends with:\n{tail}")
                time.sleep(0.25)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextlib.contextmanager
def replicas_behind_proxy(
    count: int, log_dir: Path, *, env: dict[str, str] | None = None, env_for=None
) -> Iterator[Proxy]:
    """``count`` replicas of the app, each a real server on its own port, and HAProxy in front of them.

    ``env_for(i)`` gives extra environment variables for replica ``i`` (counted from 1), on top of ``env``.
    """
    require_haproxy()
    with contextlib.ExitStack() as stack:
        servers = []
        for i in range(1, count + 1):
            extra = {**(env or {}), **(env_for(i) if env_for else {})}
            log = log_dir / f"replica-{i}.log"
            servers.append(stack.enter_context(streamlit_server(log, env=extra, timeout=90.0)))
        addresses = [s.url.removeprefix("http://") for s in servers]
        # Every replica answers its health check already, so the proxy starts with all of them up.
        url, pid = stack.enter_context(haproxy(addresses, log_dir / "haproxy.log"))
        yield Proxy(url=url, pid=pid, replicas=tuple(servers))


def stop_replica(server: Server, timeout: float = 30.0) -> None:
    """Stop one replica the way a host going down for maintenance does (SIGTERM), and wait until it is gone."""
    os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _healthy(server.url):
        if time.monotonic() > deadline:
            raise ServerError(f"the replica at {server.url} still answers {timeout:.0f} s after SIGTERM")
        time.sleep(0.2)
