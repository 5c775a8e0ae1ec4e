#!/usr/bin/env bash
# The five services as background processes on loopback, for the demo and
# for trying the system by hand (production runs them under an orchestrator;
# see deploy/docker-compose.yml).
#
#   bash deploy/local/services.sh start|stop|status|urls
#
# Logs (JSON lines) and pid files live in $FOLLOWUP_STATE/services
# (default <repo>/.local/services). Ports: FOLLOWUP_<NAME>_PORT overrides the
# defaults below; every other FOLLOWUP_* variable is passed through.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
STATE=${FOLLOWUP_STATE:-$REPO_ROOT/.local}
RUN=$STATE/services
PYTHON=${FOLLOWUP_PYTHON:-$REPO_ROOT/.venv/bin/python}
SERVICES=(ledger scheduler survey feedback reporting)
declare -A DEFAULT_PORT=([ledger]=8101 [scheduler]=8102 [survey]=8103 [feedback]=8104 [reporting]=8105)

port_of() {
    local var="FOLLOWUP_${1^^}_PORT"
    echo "${!var:-${DEFAULT_PORT[$1]}}"
}

running() {
    local pidfile=$RUN/$1.pid
    [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start_one() {
    local name=$1 port
    port=$(port_of "$name")
    if running "$name"; then
        echo "[services] $name already running (pid $(cat "$RUN/$name.pid"), port $port)"
        return
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "[services] port $port ($name) is taken by another process;" \
            "stop it or set FOLLOWUP_${name^^}_PORT" >&2
        exit 1
    fi
    # Detached from this script's terminal and output: a caller piping our
    # output (CI, `make demo | tail`) must see EOF when this script ends.
    FOLLOWUP_HTTP_PORT=$port setsid nohup "$PYTHON" -m "services.$name" \
        >>"$RUN/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
    echo "[services] $name starting on port $port (log $RUN/$name.log)"
}

wait_ready() {
    local name=$1 port deadline
    port=$(port_of "$name")
    deadline=$((SECONDS + ${FOLLOWUP_WAIT_TIMEOUT:-90}))
    until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
        if ! running "$name"; then
            echo "[services] $name exited; last log lines:" >&2
            tail -n 20 "$RUN/$name.log" >&2
            exit 1
        fi
        if ((SECONDS > deadline)); then
            echo "[services] $name not ready after ${FOLLOWUP_WAIT_TIMEOUT:-90}s" >&2
            tail -n 20 "$RUN/$name.log" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "[services] $name ready"
}

stop_one() {
    local name=$1 pid
    if ! running "$name"; then
        rm -f "$RUN/$name.pid"
        return
    fi
    pid=$(cat "$RUN/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$RUN/$name.pid"
    echo "[services] $name stopped"
}

urls() {
    echo "Services (stop them with: make stop):"
    for name in "${SERVICES[@]}"; do
        printf '  %-10s http://127.0.0.1:%s  (API docs: /docs, health: /readyz)\n' \
            "$name" "$(port_of "$name")"
    done
}

cd "$REPO_ROOT"
case ${1:-} in
start)
    mkdir -p "$RUN"
    for name in "${SERVICES[@]}"; do start_one "$name"; done
    for name in "${SERVICES[@]}"; do wait_ready "$name"; done
    ;;
stop)
    for name in "${SERVICES[@]}"; do stop_one "$name"; done
    ;;
status)
    for name in "${SERVICES[@]}"; do
        if running "$name"; then
            echo "$name: running (pid $(cat "$RUN/$name.pid"), port $(port_of "$name"))"
        else
            echo "$name: stopped"
        fi
    done
    ;;
urls) urls ;;
*)
    echo "usage: $0 start|stop|status|urls" >&2
    exit 2
    ;;
esac
