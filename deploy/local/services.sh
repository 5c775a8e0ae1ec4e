#!/usr/bin/env bash
# The five services and the console as background processes on loopback, for the demo and
# for trying the system by hand (production runs them under an orchestrator;
# see deploy/docker-compose.yml). Any service can run as several replicas.
#
#   bash deploy/local/services.sh start|stop|status|urls
#   bash deploy/local/services.sh scale SERVICE N   # run exactly N replicas
#   bash deploy/local/services.sh stop SERVICE      # every replica of one service
#
# Logs (JSON lines) and pid files live in $FOLLOWUP_STATE/services
# (default <repo>/.local/services): replica 1 is <name>.pid/.log, replica R
# is <name>.R.pid/.log. Ports: replica R of a service listens on its base port
# + FOLLOWUP_REPLICA_PORT_STEP*(R-1) (step 10: ledger 8101, 8111, 8121...; the
# base ports differ in the last digit, so replicas never collide). The base
# port is FOLLOWUP_<NAME>_PORT or the default below; every other FOLLOWUP_*
# variable is passed through. Kafka's bootstrap servers, the replication factor
# and the database URL come from `stack.sh env` unless FOLLOWUP_KAFKA_BOOTSTRAP
# is set.
#
# Broker identities: each service runs as its own SCRAM user followup-<name>
# (password FOLLOWUP_<NAME>_KAFKA_PASSWORD, default the local stack's
# development password, the user name), whose ACLs allow only its own topics.
# Before starting, the admin (FOLLOWUP_KAFKA_SASL_USERNAME/_PASSWORD, default
# the local admin) creates the deployment's topics and ACLs for
# FOLLOWUP_TOPIC_PREFIX (python -m services.kit.acls apply --topics).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
STATE=${FOLLOWUP_STATE:-$REPO_ROOT/.local}
RUN=$STATE/services
PYTHON=${FOLLOWUP_PYTHON:-$REPO_ROOT/.venv/bin/python}
STEP=${FOLLOWUP_REPLICA_PORT_STEP:-10}
MAX_REPLICAS=${FOLLOWUP_MAX_REPLICAS:-9}
# The console (services/console) is an edge with no state: static pages and a
# forwarder to the five APIs (FOLLOWUP_CONSOLE_<SERVICE>_URL, set from their ports).
SERVICES=(ledger scheduler survey feedback reporting console)
APIS=(ledger scheduler survey feedback reporting)
declare -A DEFAULT_PORT=([ledger]=8101 [scheduler]=8102 [survey]=8103 [feedback]=8104 [reporting]=8105 [console]=8106)

# Where the local stack is (with a three-broker cluster: all three nodes and
# replication factor 3), unless the caller points the services elsewhere.
if [[ -z ${FOLLOWUP_KAFKA_BOOTSTRAP:-} ]]; then
    while read -r _ assignment; do
        var=${assignment%%=*}
        if [[ $var == FOLLOWUP_* && -z ${!var:-} ]]; then export "${assignment?}"; fi
    done < <(FOLLOWUP_STATE=$STATE bash "$SCRIPT_DIR/stack.sh" env 2>/dev/null || true)
fi

# The broker authenticates (anything but an explicit PLAINTEXT: the
# settings' default is SCRAM).
secured() { [[ ${FOLLOWUP_KAFKA_SECURITY_PROTOCOL:-} != PLAINTEXT ]]; }

# The deployment's topics and every user's ACLs, as the admin (idempotent).
grant() {
    secured || return 0
    mkdir -p "$RUN"
    if ! "$PYTHON" -m services.kit.acls apply --topics >>"$RUN/acls.log" 2>&1; then
        echo "[services] creating topics and ACLs failed (as the broker admin); last lines of $RUN/acls.log:" >&2
        tail -n 20 "$RUN/acls.log" >&2
        exit 1
    fi
}

is_service() { [[ -n ${DEFAULT_PORT[${1:-}]:-} ]]; }

# port_of NAME [R]: the port of replica R (default 1).
port_of() {
    local var="FOLLOWUP_${1^^}_PORT" r=${2:-1}
    echo $(("${!var:-${DEFAULT_PORT[$1]}}" + STEP * (r - 1)))
}

# Files of replica R: replica 1 keeps the names of a single instance.
suffix() { if (($2 == 1)); then echo "$1"; else echo "$1.$2"; fi; }
pidfile() { echo "$RUN/$(suffix "$1" "$2").pid"; }
logfile() { echo "$RUN/$(suffix "$1" "$2").log"; }
label() { if (($2 == 1)); then echo "$1"; else echo "$1#$2"; fi; }

running() {
    local pf
    pf=$(pidfile "$1" "${2:-1}")
    [[ -f $pf ]] && kill -0 "$(cat "$pf")" 2>/dev/null
}

# replicas NAME: the replica numbers that have a pid file, ascending.
replicas() {
    local f r
    for f in "$RUN/$1.pid" "$RUN/$1".*.pid; do
        [[ -e $f ]] || continue
        r=${f#"$RUN/$1"}
        r=${r%.pid}
        r=${r#.}
        [[ -z $r ]] && r=1
        [[ $r =~ ^[0-9]+$ ]] && echo "$r"
    done | sort -n
}

start_one() {
    local name=$1 r=${2:-1} port pf
    port=$(port_of "$name" "$r")
    pf=$(pidfile "$name" "$r")
    if running "$name" "$r"; then
        echo "[services] $(label "$name" "$r") already running (pid $(cat "$pf"), port $port)"
        return
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "[services] port $port ($(label "$name" "$r")) is taken by another process;" \
            "stop it or set FOLLOWUP_${name^^}_PORT / FOLLOWUP_REPLICA_PORT_STEP" >&2
        exit 1
    fi
    # Detached from this script's terminal and output: a caller piping our
    # output (CI, `make demo | tail`) must see EOF when this script ends.
    # The service's own broker user, not the admin's.
    local pw_var="FOLLOWUP_${name^^}_KAFKA_PASSWORD" user=()
    if [[ $name == console ]]; then
        local api url_var
        for api in "${APIS[@]}"; do
            url_var="FOLLOWUP_CONSOLE_${api^^}_URL"
            user+=("$url_var=${!url_var:-http://127.0.0.1:$(port_of "$api")}")
        done
    elif secured; then
        user=(FOLLOWUP_KAFKA_SASL_USERNAME="followup-$name"
            FOLLOWUP_KAFKA_SASL_PASSWORD="${!pw_var:-followup-$name}")
    fi
    env FOLLOWUP_HTTP_PORT="$port" "${user[@]}" \
        setsid nohup "$PYTHON" -m "services.$name" \
        >>"$(logfile "$name" "$r")" 2>&1 </dev/null &
    echo $! >"$pf"
    echo "[services] $(label "$name" "$r") starting on port $port (log $(logfile "$name" "$r"))"
}

wait_ready() {
    local name=$1 r=${2:-1} port deadline
    port=$(port_of "$name" "$r")
    deadline=$((SECONDS + ${FOLLOWUP_WAIT_TIMEOUT:-90}))
    until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
        if ! running "$name" "$r"; then
            echo "[services] $(label "$name" "$r") exited; last log lines:" >&2
            tail -n 20 "$(logfile "$name" "$r")" >&2
            exit 1
        fi
        if ((SECONDS > deadline)); then
            echo "[services] $(label "$name" "$r") not ready after ${FOLLOWUP_WAIT_TIMEOUT:-90}s" >&2
            tail -n 20 "$(logfile "$name" "$r")" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "[services] $(label "$name" "$r") ready"
}

stop_one() {
    local name=$1 r=${2:-1} pid pf
    pf=$(pidfile "$name" "$r")
    if ! running "$name" "$r"; then
        rm -f "$pf"
        return
    fi
    pid=$(cat "$pf")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pf"
    echo "[services] $(label "$name" "$r") stopped"
}

stop_service() {
    local name=$1 r
    # Highest replica first: replica 1 (the one `start` runs) goes last.
    for r in $(replicas "$name" | sort -rn); do stop_one "$name" "$r"; done
}

# scale NAME N: exactly N replicas (1..N) run afterwards; 0 stops them all.
scale() {
    local name=${1:-} n=${2:-} r
    is_service "$name" || { echo "[services] unknown service '$name' (one of: ${SERVICES[*]})" >&2; exit 2; }
    [[ $n =~ ^[0-9]+$ ]] && ((n <= MAX_REPLICAS)) ||
        { echo "[services] replica count must be 0..$MAX_REPLICAS (got '$n')" >&2; exit 2; }
    mkdir -p "$RUN"
    ((n == 0)) || grant
    for r in $(replicas "$name" | sort -rn); do
        ((r > n)) && stop_one "$name" "$r"
    done
    for ((r = 1; r <= n; r++)); do start_one "$name" "$r"; done
    for ((r = 1; r <= n; r++)); do wait_ready "$name" "$r"; done
    echo "[services] $name: $n replica(s)"
}

status() {
    local name r any
    for name in "${SERVICES[@]}"; do
        any=0
        for r in $(replicas "$name"); do
            if running "$name" "$r"; then
                echo "$(label "$name" "$r"): running (pid $(cat "$(pidfile "$name" "$r")"), port $(port_of "$name" "$r"))"
                any=1
            else
                echo "$(label "$name" "$r"): stopped (stale pid file)"
            fi
        done
        ((any)) || [[ -n $(replicas "$name") ]] || echo "$name: stopped"
    done
}

urls() {
    local name r
    echo "Services (stop them with: make stop):"
    for name in "${SERVICES[@]}"; do
        if [[ $name == console ]]; then
            printf '  %-10s http://127.0.0.1:%s  (the web console: sign in with an API key)\n' \
                "$name" "$(port_of "$name")"
            continue
        fi
        printf '  %-10s http://127.0.0.1:%s  (API docs: /docs, health: /readyz)\n' \
            "$name" "$(port_of "$name")"
        for r in $(replicas "$name"); do
            ((r > 1)) || continue
            running "$name" "$r" || continue
            printf '  %-10s http://127.0.0.1:%s\n' "$(label "$name" "$r")" "$(port_of "$name" "$r")"
        done
    done
}

usage() {
    cat <<EOU
usage: $0 start|stop [SERVICE]|status|urls|scale SERVICE N

  start            start one replica of each service (unless running), wait until ready
  scale SERVICE N  run exactly N replicas of SERVICE (ports base, base+$STEP, ...; 0 stops all)
  stop [SERVICE]   stop every replica (of every service, or of SERVICE)
  status           every replica: running or stopped, pid, port
  urls             where each service (and each extra replica) answers
EOU
}

cd "$REPO_ROOT"
case ${1:-} in
start)
    mkdir -p "$RUN"
    grant
    for name in "${SERVICES[@]}"; do start_one "$name"; done
    for name in "${SERVICES[@]}"; do wait_ready "$name"; done
    ;;
stop)
    if [[ -n ${2:-} ]]; then
        is_service "$2" || { echo "[services] unknown service '$2'" >&2; exit 2; }
        stop_service "$2"
    else
        for name in "${SERVICES[@]}"; do stop_service "$name"; done
    fi
    ;;
scale) scale "${2:-}" "${3:-}" ;;
status) status ;;
urls) urls ;;
-h | --help | help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
