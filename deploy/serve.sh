#!/usr/bin/env bash
# Serve a class from one machine: N replicas of `streamlit run app.py` and HAProxy in front of them.
#
#   bash deploy/serve.sh            # one replica per core, the class opens http://<this machine>:8500
#   bash deploy/serve.sh 3 8080     # three replicas, proxy on port 8080
#
# Replicas listen on 127.0.0.1, ports 8501, 8502, ...; the proxy uses deploy/haproxy.cfg with one server line
# per replica. Ctrl-C (or SIGTERM) stops the proxy and every replica.
set -euo pipefail
cd "$(dirname "$0")/.."

REPLICAS="${1:-$(nproc)}"
PROXY_PORT="${2:-8500}"
FIRST_PORT="${CEDASH_FIRST_PORT:-8501}"
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"
[ -x "$HAPROXY" ] || { echo "error: haproxy is not installed (apt-get install -y haproxy)" >&2; exit 2; }
[[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || { echo "error: the number of replicas must be a whole number >= 1" >&2; exit 2; }

RUN_DIR="$(mktemp -d)"
PIDS=()
STOPPING=""
stop() {
    trap - INT TERM EXIT
    STOPPING=1
    echo "stopping the proxy and ${#PIDS[@]} processes..."
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$RUN_DIR"
}
trap stop INT TERM EXIT

CONFIG="$RUN_DIR/haproxy.cfg"
grep -v '^[[:space:]]*server ' deploy/haproxy.cfg > "$CONFIG"
for i in $(seq 1 "$REPLICAS"); do
    port=$((FIRST_PORT + i - 1))
    streamlit run app.py --server.address 127.0.0.1 --server.port "$port" --server.headless true \
        --server.fileWatcherType none --browser.gatherUsageStats false > "$RUN_DIR/replica-$i.log" 2>&1 &
    PIDS+=("$!")
    echo "    server app$i 127.0.0.1:$port cookie app$i" >> "$CONFIG"
done

healthy() {
    python -c "import sys, urllib.request as u; sys.exit(u.urlopen(sys.argv[1], timeout=2).read() != b'ok')" \
        "http://127.0.0.1:$1/_stcore/health" >/dev/null 2>&1
}
for i in $(seq 1 "$REPLICAS"); do
    port=$((FIRST_PORT + i - 1))
    for _ in $(seq 1 120); do healthy "$port" && break; sleep 0.5; done
    healthy "$port" || {
        echo "error: replica $i (port $port) did not start; its log:" >&2; tail -20 "$RUN_DIR/replica-$i.log" >&2; exit 1;
    }
done

CEDASH_PROXY_PORT="$PROXY_PORT" "$HAPROXY" -db -f "$CONFIG" > "$RUN_DIR/haproxy.log" 2>&1 &
PROXY_PID="$!"
PIDS+=("$PROXY_PID")
echo "serving $REPLICAS replicas on http://$(hostname):$PROXY_PORT (logs in $RUN_DIR); Ctrl-C stops them"
# A replica that stops is routed around (its pages reconnect to another one); only the proxy ends the service.
wait "$PROXY_PID" || true
[ -n "$STOPPING" ] || echo "the proxy exited (its log: $RUN_DIR/haproxy.log); stopping the replicas" >&2
