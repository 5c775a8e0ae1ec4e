#!/usr/bin/env bash
# Local infrastructure for development, tests, benchmarks and CI, without Docker:
# one Apache Kafka node (KRaft, broker+controller) and one project-private
# PostgreSQL cluster, both on 127.0.0.1. See deploy/README.md.
#
#   bash deploy/local/stack.sh start|wait|stop|restart|wipe|status|env
#
# Every subcommand is idempotent. Environment knobs (all optional):
#   FOLLOWUP_STATE                   state dir           (default <repo>/.local)
#   FOLLOWUP_CACHE                   jar cache           (default $HOME/.cache/followup)
#   FOLLOWUP_KAFKA_PORT              broker port         (default 9092)
#   FOLLOWUP_KAFKA_CONTROLLER_PORT   KRaft controller    (default 9093; fixed at format time)
#   FOLLOWUP_PG_PORT                 PostgreSQL port     (default 5433)
#   FOLLOWUP_WAIT_TIMEOUT            readiness timeout s (default 180)
#   FOLLOWUP_KAFKA_HEAP_OPTS         broker heap         (default "-Xms512m -Xmx1g")
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)

KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_LOG4J=$SCRIPT_DIR/kafka/log4j2.properties
KAFKA_READY_SRC=$SCRIPT_DIR/kafka/KafkaReady.java

STATE=${FOLLOWUP_STATE:-$REPO_ROOT/.local}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
STATE=${STATE%/}
CACHE=${FOLLOWUP_CACHE:-${HOME:-/root}/.cache/followup}
KAFKA_PORT=${FOLLOWUP_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${FOLLOWUP_KAFKA_CONTROLLER_PORT:-9093}
PG_PORT=${FOLLOWUP_PG_PORT:-5433}
WAIT_TIMEOUT=${FOLLOWUP_WAIT_TIMEOUT:-180}
read -r -a KAFKA_HEAP <<<"${FOLLOWUP_KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}"

PG_ROLE=followup
PG_PASSWORD=followup
PG_DB=followup

# ---------------------------------------------------------------- helpers ----
log() { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH${2:+ ($2)}"; }

# tail_log FILE [N]: print the end of a log file to stderr, if there is one
# (without the indented lines of Kafka's multi-line config dumps).
tail_log() {
    local f=$1 n=${2:-40}
    if [[ -s $f ]]; then
        printf '[stack] ---- last %s lines of %s ----\n' "$n" "$f" >&2
        grep -v '^[[:space:]]' -- "$f" | tail -n "$n" >&2 || true
        printf '[stack] ---- end of %s ----\n' "$f" >&2
    else
        printf '[stack] (log %s is missing or empty)\n' "$f" >&2
    fi
}

# pid_alive PID: the process exists and is not a zombie (an orphan's exit is
# only visible once its new parent reaps it, which some container inits do late).
pid_alive() {
    local st
    st=$(cat -- "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [[ ${st%% *} != Z ]]
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" >/dev/null 2>&1
}

# Close every inherited fd above 2 (the state lock, and any pipe a CI runner
# passed down) so that daemons started from here hold none of them open.
close_extra_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null || true
    done
}

# One stack operation at a time per state dir (fd 9; closed in the daemons).
take_lock() {
    mkdir -p -- "$STATE"
    exec 9>"$STATE/.stack.lock"
    flock -w 300 9 || die "another stack.sh holds $STATE/.stack.lock for more than 300 s"
}

# ------------------------------------------------------------------ Kafka ----
KAFKA_VERSION=$(sed -n 's:.*<kafka\.version>[[:space:]]*\([^<[:space:]]*\)[[:space:]]*</kafka\.version>.*:\1:p' "$KAFKA_POM" | head -n 1)
[[ -n $KAFKA_VERSION ]] || die "cannot read <kafka.version> from $KAFKA_POM"
KAFKA_CACHE_DIR=$CACHE/kafka-$KAFKA_VERSION
KAFKA_LIBS=$KAFKA_CACHE_DIR/libs
KAFKA_LIBS_MARKER=$KAFKA_CACHE_DIR/.libs-complete   # holds the pom's sha256
KSTATE=$STATE/kafka
KDATA=$KSTATE/data
KLOGS=$KSTATE/logs
KPROPS=$KSTATE/server.properties
KPID=$KSTATE/kafka.pid
KOUT=$KSTATE/kafka.out        # JVM stdout/stderr (normally near-empty)
KCLUSTER_ID=$KSTATE/cluster.id
KSERVER_LOG=$KLOGS/server.log

check_java() {
    need java "install a JDK >= 17, e.g. apt-get install -y openjdk-17-jre-headless"
    local v
    v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
    [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= 17)) || die "Kafka $KAFKA_VERSION needs Java >= 17 (found '${v:-?}')"
}

jars_complete() {
    [[ -f $KAFKA_LIBS_MARKER && -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar ]] &&
        [[ $(cat -- "$KAFKA_LIBS_MARKER") == "$(sha256sum -- "$KAFKA_POM" | cut -d' ' -f1)" ]]
}

ensure_jars() {
    jars_complete && return 0
    mkdir -p -- "$KAFKA_CACHE_DIR"
    # The cache may be shared by several checkouts: serialise the download.
    (
        flock -w 600 8 || die "timed out waiting for $KAFKA_CACHE_DIR.lock"
        jars_complete && exit 0
        need mvn "apt-get install -y maven"
        local tmp=$KAFKA_CACHE_DIR/libs.tmp.$$ t0=$SECONDS mvnlog=$KAFKA_CACHE_DIR/mvn.log
        rm -rf -- "$tmp"
        log "resolving Kafka $KAFKA_VERSION jars from Maven into $KAFKA_LIBS (log: $mvnlog)"
        if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
            -DoutputDirectory="$tmp" -DincludeScope=runtime >"$mvnlog" 2>&1; then
            rm -rf -- "$tmp"
            tail_log "$mvnlog"
            die "maven could not resolve the Kafka jars"
        fi
        [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || { rm -rf -- "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after maven run"; }
        rm -rf -- "$KAFKA_LIBS"
        mv -- "$tmp" "$KAFKA_LIBS"
        sha256sum -- "$KAFKA_POM" | cut -d' ' -f1 >"$KAFKA_LIBS_MARKER"
        log "resolved $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
    ) 8>"$KAFKA_CACHE_DIR.lock"
}

# kafka_pid: print the pid of this stack's broker, or fail when none runs.
kafka_pid() {
    local pid
    [[ -f $KPID ]] || return 1
    pid=$(cat -- "$KPID" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    pid_alive "$pid" || return 1
    # Guard against pid reuse: it must be a broker started with our config.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $KPROPS" || return 1
    echo "$pid"
}

write_kafka_config() {
    mkdir -p -- "$KDATA" "$KLOGS"
    cat >"$KPROPS.tmp" <<EOF
# Generated by deploy/local/stack.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KDATA
num.partitions=6
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
    mv -- "$KPROPS.tmp" "$KPROPS"
}

format_kafka_storage() {
    [[ -f $KDATA/meta.properties ]] && return 0
    local cid
    if [[ -s $KCLUSTER_ID ]]; then
        cid=$(cat -- "$KCLUSTER_ID")
    else
        cid=$(java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
        [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka StorageTool random-uuid returned '$cid'"
        echo "$cid" >"$KCLUSTER_ID"
    fi
    log "formatting Kafka storage in $KDATA (cluster id $cid, standalone KRaft quorum)"
    # Kafka 4.x: with controller.quorum.bootstrap.servers (dynamic quorum) the
    # single controller must be formatted with --standalone.
    if ! java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
        --cluster-id "$cid" --config "$KPROPS" --standalone >"$KSTATE/format.log" 2>&1; then
        tail_log "$KSTATE/format.log"
        die "kafka storage format failed"
    fi
}

start_kafka() {
    local pid
    if pid=$(kafka_pid); then
        log "Kafka already running (pid $pid) - nothing to do"
        return 0
    fi
    rm -f -- "$KPID"
    write_kafka_config
    local p
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        port_open "$p" && die "127.0.0.1:$p is in use by another process (not this stack's Kafka); see 'ss -ltnp'"
    done
    format_kafka_storage
    # Removing the old log makes "Kafka Server started" a marker of this run.
    rm -f -- "$KSERVER_LOG"
    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
    (
        cd -- "$KSTATE"
        close_extra_fds
        # setsid: own session, survives this script and its process group;
        # nohup + redirections: no fd of the caller is kept open.
        exec setsid nohup java "${KAFKA_HEAP[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
            -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
            -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkafka.logs.dir="$KLOGS" \
            -cp "$KAFKA_LIBS/*" kafka.Kafka "$KPROPS" </dev/null >"$KOUT" 2>&1
    ) &
    echo $! >"$KPID"
    sleep 0.3
    if ! kafka_pid >/dev/null; then
        # setsid forks when it is already a group leader; find the real pid.
        pid=$(pgrep -f -- "kafka.Kafka $KPROPS" | head -n 1 || true)
        [[ -n $pid ]] && echo "$pid" >"$KPID"
    fi
}

stop_kafka() {
    local pid i
    if ! pid=$(kafka_pid); then
        log "Kafka not running"
        rm -f -- "$KPID"
        return 0
    fi
    log "stopping Kafka (pid $pid, SIGTERM)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    if pid_alive "$pid"; then
        warn "Kafka (pid $pid) still alive after 30 s - SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    fi
    rm -f -- "$KPID"
    log "Kafka stopped"
}

kafka_timeout() {
    warn "timed out after ${WAIT_TIMEOUT}s waiting for Kafka on 127.0.0.1:$KAFKA_PORT${1:+ ($1)}"
    tail_log "$KSERVER_LOG"
    tail_log "$KOUT" 20
    die "Kafka is not ready"
}

wait_kafka() {
    local deadline=$1 pid probe="" announced=0 left probed=0
    while :; do
        if ! pid=$(kafka_pid); then
            warn "Kafka is not running (no live broker process behind $KPID)"
            tail_log "$KSERVER_LOG"
            tail_log "$KOUT" 20
            die "Kafka is down; run: bash deploy/local/stack.sh start"
        fi
        ((announced)) || { log "waiting for Kafka (pid $pid) on 127.0.0.1:$KAFKA_PORT"; announced=1; }
        # The probe is the real test; the log line only saves probing a broker
        # still starting. A broker up for long may have rolled that line out
        # of its log, so past the first probe the line is not required.
        if port_open "$KAFKA_PORT" && { ((probed)) || grep -q 'Kafka Server started' "$KSERVER_LOG" 2>/dev/null || (( $(date +%s) - $(stat -c %Y "$KPID" 2>/dev/null || date +%s) > 60 )); }; then
            probed=1
            # Real client round trip: DescribeCluster + ListTopics via kafka-clients.
            left=$((deadline - SECONDS))
            ((left >= 5)) || left=5
            if probe=$(timeout "$left" java -Xmx128m -Dlog4j2.level=ERROR -cp "$KAFKA_LIBS/*" \
                "$KAFKA_READY_SRC" "127.0.0.1:$KAFKA_PORT" 2>&1); then
                log "Kafka ready: ${probe##*$'\n'}"
                return 0
            fi
        fi
        ((SECONDS < deadline)) || kafka_timeout "${probe##*$'\n'}"
        sleep 1
    done
}

# ------------------------------------------------------------- PostgreSQL ----
# The server refuses to run as root, so as root it runs as the 'postgres' OS
# user. That user must be able to reach the data dir: <state>/pg when the state
# path is traversable by 'postgres', else /var/tmp/followup-pg-<hash of state
# path>. The choice is made once and recorded in <state>/pg.location.
PG_LOCATION_FILE=$STATE/pg.location
STATE_HASH=$(printf '%s' "$STATE" | sha256sum | cut -c1-12)
if ((EUID == 0)); then PG_OS_USER=postgres; else PG_OS_USER=$(id -un); fi
PG_SUPERUSER=$PG_OS_USER
PG_BASE=""
PG_BIN=""

# as_pg CMD...: run as the PostgreSQL OS user, from / (the caller's cwd may be
# unreadable to it).
as_pg() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

pg_paths() {
    PG_DATA=$PG_BASE/data
    PG_LOG=$PG_BASE/postgresql.log
    # Unix socket paths are limited to ~107 bytes.
    if ((${#PG_BASE} <= 80)); then PG_SOCK=$PG_BASE/run; else PG_SOCK=/tmp/followup-pg-$STATE_HASH.run; fi
}

# Sets PG_BASE from the record; fails when no cluster was ever created.
pg_locate() {
    [[ -s $PG_LOCATION_FILE ]] || return 1
    PG_BASE=$(cat -- "$PG_LOCATION_FILE")
    pg_paths
}

pg_choose_base() {
    pg_locate && return 0
    mkdir -p -- "$STATE"
    if ((EUID != 0)) || (cd / && runuser -u postgres -- test -x "$STATE" -a -r "$STATE"); then
        PG_BASE=$STATE/pg
    else
        PG_BASE=/var/tmp/followup-pg-$STATE_HASH
        log "state dir $STATE is not traversable by user postgres; PostgreSQL lives in $PG_BASE"
    fi
    echo "$PG_BASE" >"$PG_LOCATION_FILE"
    pg_paths
}

newest_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true; }

# pg_find_bin: binaries matching the cluster's major version when it exists,
# else the newest installed. Leaves PG_BIN empty when none is installed.
pg_find_bin() {
    PG_BIN=""
    if [[ -n $PG_BASE && -f $PG_DATA/PG_VERSION ]]; then
        local v
        v=$(cat -- "$PG_DATA/PG_VERSION" 2>/dev/null || as_pg cat -- "$PG_DATA/PG_VERSION")
        [[ -x /usr/lib/postgresql/$v/bin/postgres ]] && PG_BIN=/usr/lib/postgresql/$v/bin
        return 0
    fi
    PG_BIN=$(newest_pg_bin)
    [[ -n $PG_BIN && -x $PG_BIN/initdb ]] || PG_BIN=""
}

ensure_postgres() {
    pg_find_bin
    [[ -n $PG_BIN ]] && return 0
    if [[ -f $PG_DATA/PG_VERSION ]]; then
        die "the cluster in $PG_DATA is PostgreSQL $(as_pg cat -- "$PG_DATA/PG_VERSION") but those binaries are not installed; 'stack.sh wipe' to start over"
    fi
    ((EUID == 0)) || die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin; install the 'postgresql' package"
    local t0=$SECONDS aptlog=$STATE/apt-postgresql.log
    log "PostgreSQL not installed: apt-get install -y postgresql (log: $aptlog)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; } >"$aptlog" 2>&1; then
        tail_log "$aptlog"
        die "apt-get install postgresql failed"
    fi
    pg_find_bin
    [[ -n $PG_BIN ]] || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
    log "installed PostgreSQL in $((SECONDS - t0)) s ($PG_BIN)"
}

pg_pid() { head -n 1 -- "$PG_DATA/postmaster.pid" 2>/dev/null || as_pg head -n 1 -- "$PG_DATA/postmaster.pid" 2>/dev/null; }

# pg_running: the postmaster of our data dir is alive. pg_ctl status alone is
# fooled by a crashed, not yet reaped (zombie) postmaster.
pg_running() {
    [[ -n $PG_BASE && -n $PG_BIN && -f $PG_DATA/PG_VERSION ]] || return 1
    local pid
    pid=$(pg_pid) && [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_init() {
    [[ -f $PG_DATA/PG_VERSION ]] && return 0
    mkdir -p -- "$PG_BASE"
    ((EUID == 0)) && chown postgres:postgres -- "$PG_BASE"
    chmod 700 -- "$PG_BASE"
    as_pg rm -rf -- "$PG_DATA"      # leftovers of an interrupted initdb
    log "initdb: PostgreSQL $(basename "$(dirname "$PG_BIN")") cluster in $PG_DATA"
    if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" -E UTF8 --locale=C \
        --auth-local=peer --auth-host=scram-sha-256 >"$PG_BASE/initdb.log" 2>&1; then
        tail_log "$PG_BASE/initdb.log"
        die "initdb failed"
    fi
    echo "include_if_exists = 'followup.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

write_pg_config() {
    as_pg mkdir -p -- "$PG_SOCK"
    as_pg chmod 700 -- "$PG_SOCK"
    as_pg tee "$PG_DATA/followup.conf" >/dev/null <<EOF
# Generated by deploy/local/stack.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
fsync = on
full_page_writes = on
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

start_pg() {
    if pg_running; then
        log "PostgreSQL already running (pid $(pg_pid)) - nothing to do"
        return 0
    fi
    pg_init
    write_pg_config
    port_open "$PG_PORT" && die "127.0.0.1:$PG_PORT is in use by another process (not this stack's PostgreSQL); see 'ss -ltnp'"
    # Keep the server log bounded across restarts.
    if [[ $(as_pg stat -c %s -- "$PG_LOG" 2>/dev/null || echo 0) -gt 52428800 ]]; then
        as_pg mv -f -- "$PG_LOG" "$PG_LOG.1"
    fi
    # A crashed postmaster that is still a zombie makes the new one refuse to
    # start ("lock file already exists"): give the reaper a moment.
    local old i
    if old=$(pg_pid) && [[ $old =~ ^[0-9]+$ ]]; then
        for ((i = 0; i < 100; i++)); do [[ -e /proc/$old ]] || break; sleep 0.1; done
    fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (data $PG_DATA)"
    if ! (close_extra_fds; as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_TIMEOUT" -s start); then
        tail_log "$PG_LOG"
        die "PostgreSQL failed to start"
    fi
}

stop_pg() {
    if ! pg_running; then
        log "PostgreSQL not running"
        return 0
    fi
    log "stopping PostgreSQL (pid $(pg_pid), fast)"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 -s stop; then
        warn "fast shutdown did not finish in 60 s - immediate"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 -s stop || true
    fi
    log "PostgreSQL stopped"
}

wait_pg() {
    local deadline=$1
    pg_running || { tail_log "$PG_LOG"; die "PostgreSQL is not running; run: bash deploy/local/stack.sh start"; }
    log "waiting for PostgreSQL on 127.0.0.1:$PG_PORT"
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; do
        if ((SECONDS >= deadline)); then
            warn "timed out after ${WAIT_TIMEOUT}s waiting for PostgreSQL on 127.0.0.1:$PG_PORT"
            tail_log "$PG_LOG"
            die "PostgreSQL is not ready"
        fi
        pg_running || { tail_log "$PG_LOG"; die "PostgreSQL exited while starting"; }
        sleep 0.5
    done
    log "PostgreSQL ready"
}

ensure_pg_app_db() {
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$PG_ROLE', '$PG_PASSWORD')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_ROLE')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
EOF
}

pg_url() { echo "postgresql://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"; }

# ---------------------------------------------------------------- commands ---
cmd_wait() {
    local deadline=$((SECONDS + WAIT_TIMEOUT))
    pg_locate || die "no PostgreSQL cluster under $STATE yet; run: bash deploy/local/stack.sh start"
    pg_find_bin
    [[ -n $PG_BIN ]] || die "PostgreSQL binaries not installed; run: bash deploy/local/stack.sh start"
    wait_kafka "$deadline"
    wait_pg "$deadline"
}

cmd_start() {
    local t0=$SECONDS
    take_lock
    check_java
    ensure_jars
    pg_choose_base
    ensure_postgres
    if ! pg_running && port_open "$PG_PORT"; then
        die "127.0.0.1:$PG_PORT is in use by another process (not this stack's PostgreSQL); see 'ss -ltnp'"
    fi
    start_kafka          # returns at once; the broker boots in the background
    start_pg             # pg_ctl -w blocks until the server accepts connections
    cmd_wait
    ensure_pg_app_db
    log "stack up in $((SECONDS - t0)) s: kafka 127.0.0.1:$KAFKA_PORT, postgres $(pg_url)"
}

cmd_stop() {
    take_lock
    stop_kafka
    if pg_locate; then
        pg_find_bin
        stop_pg
    else
        log "PostgreSQL not running (no cluster under $STATE)"
    fi
}

cmd_wipe() {
    cmd_stop
    local d
    pg_locate || PG_BASE=""
    for d in "$KSTATE" ${PG_BASE:+"$PG_BASE"} ${PG_BASE:+"$PG_SOCK"} "$STATE/pg" "/var/tmp/followup-pg-$STATE_HASH" "/tmp/followup-pg-$STATE_HASH.run"; do
        if [[ -e $d ]]; then
            log "removing $d"
            rm -rf -- "${d:?}"
        fi
    done
    rm -f -- "$PG_LOCATION_FILE" "$STATE/apt-postgresql.log"
    log "wiped (jar cache $KAFKA_CACHE_DIR kept)"
}

cmd_status() {
    local rc=0 pid
    echo "state dir: $STATE"
    echo "jar cache: $KAFKA_LIBS ($(jars_complete && echo complete || echo 'not downloaded'))"
    if pid=$(kafka_pid); then
        local listen
        listen=$(sed -n 's/^listeners=//p' "$KPROPS")
        echo "kafka $KAFKA_VERSION: RUNNING pid $pid; listeners $listen"
    else
        echo "kafka $KAFKA_VERSION: stopped"
        rc=3
    fi
    echo "  data $KDATA, log $KSERVER_LOG"
    if pg_locate; then
        pg_find_bin
        if pg_running; then
            local port
            port=$(as_pg sed -n 's/^port = //p' "$PG_DATA/followup.conf")
            echo "postgresql $(as_pg cat -- "$PG_DATA/PG_VERSION"): RUNNING pid $(pg_pid); 127.0.0.1:$port, socket dir $PG_SOCK"
            echo "  url postgresql://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
        else
            echo "postgresql: stopped"
            rc=3
        fi
        echo "  data $PG_DATA, log $PG_LOG"
    else
        echo "postgresql: stopped (no cluster yet)"
        rc=3
    fi
    return "$rc"
}

cmd_env() {
    echo "export FOLLOWUP_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT"
    echo "export FOLLOWUP_DATABASE_URL=$(pg_url)"
}

usage() {
    cat <<EOF
usage: bash deploy/local/stack.sh COMMAND

  start    fetch jars / install PostgreSQL if needed, start Kafka and PostgreSQL
           unless running, wait until both answer, ensure role+db 'followup'
  wait     wait (max \${FOLLOWUP_WAIT_TIMEOUT:-180}s) until Kafka and PostgreSQL answer
  stop     stop both (Kafka SIGTERM then SIGKILL after 30 s; pg_ctl -m fast)
  restart  stop, then start
  wipe     stop, then delete Kafka and PostgreSQL data (the jar cache stays)
  status   show what runs (exit 0 when both run, 3 otherwise)
  env      print export lines for FOLLOWUP_KAFKA_BOOTSTRAP / FOLLOWUP_DATABASE_URL

state: $STATE   jars: $KAFKA_LIBS
EOF
}

case ${1:-} in
start) cmd_start ;;
wait) cmd_wait ;;
stop) cmd_stop ;;
restart) cmd_stop; exec 9>&-; cmd_start ;;
wipe) cmd_wipe ;;
status) cmd_status ;;
env) cmd_env ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
