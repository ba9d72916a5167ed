#!/usr/bin/env bash
# Start or stop the local Tinker server in the background (127.0.0.1 only).
#
#   scripts/local-server.sh start [PORT] [extra args for python -m local_server]
#   scripts/local-server.sh stop  [PORT]
#   scripts/local-server.sh status [PORT]
#
# start waits until the server answers, then writes its pid to
# local_server/.run/PORT.pid (log: local_server/.run/PORT.log) and prints the
# environment a kernel needs (TINKER_BASE_URL, a dummy TINKER_API_KEY).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${LOCAL_SERVER_RUN_DIR:-$ROOT/local_server/.run}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3

cmd="${1:-}"
port="${2:-8765}"
shift $(( $# >= 2 ? 2 : $# )) || true
pid_file="$RUN_DIR/$port.pid"
log_file="$RUN_DIR/$port.log"

running() {
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

answers() {
  "$PYTHON" - "$port" <<'PY'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    opener.open(f"http://127.0.0.1:{sys.argv[1]}/_admin/faults", timeout=1)
except Exception:
    sys.exit(1)
PY
}

case "$cmd" in
  start)
    if running; then
      echo "already running on port $port (pid $(cat "$pid_file"))"
      exit 0
    fi
    mkdir -p "$RUN_DIR"
    cd "$ROOT"
    nohup "$PYTHON" -m local_server --port "$port" "$@" >"$log_file" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "local server exited; see $log_file" >&2
        cat "$log_file" >&2
        exit 1
      fi
      if answers; then
        echo "$pid" >"$pid_file"
        echo "local Tinker server on http://127.0.0.1:$port (pid $pid, log $log_file)"
        echo "export TINKER_BASE_URL=http://127.0.0.1:$port TINKER_API_KEY=tml-local-dummy-key NO_PROXY=127.0.0.1,localhost"
        exit 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "local server did not answer on port $port within 10 s" >&2
    exit 1
    ;;
  stop)
    if running; then
      pid="$(cat "$pid_file")"
      kill "$pid"
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "stopped local server on port $port (pid $pid)"
    else
      echo "no local server running on port $port"
    fi
    rm -f "$pid_file"
    ;;
  status)
    if running && answers; then
      echo "running on port $port (pid $(cat "$pid_file"))"
    else
      echo "not running on port $port"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status [PORT] [server args...]" >&2
    exit 2
    ;;
esac
