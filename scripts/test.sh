#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs every test.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k losses`.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser tests drive Debian's Chromium; Playwright's own browser download does not work offline.
if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Chromium (Debian package)..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi

# The serving tests put Debian's HAProxy in front of two replicas of the app.
if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
    echo "Installing HAProxy (Debian package)..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy
fi

python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -e .
python -m ruff check .
# The layer contracts in pyproject.toml: app -> dashboard -> cedash, and the layers inside cedash.
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" lint-imports
python -m pytest --durations=15 "$@"
