#!/usr/bin/env bash
# Local infrastructure for development, tests, benchmarks and CI, without Docker:
# Apache Kafka in KRaft mode (one node by default, or a cluster of BROKERS
# nodes, each broker+controller) and one project-private PostgreSQL cluster,
# all on 127.0.0.1. See deploy/README.md.
#
# The broker authenticates every client (SASL_PLAINTEXT with SCRAM-SHA-512 on
# the client listener; SASL PLAIN with the admin on the KRaft controller
# listener) and authorizes it with the StandardAuthorizer: no ACL, no access.
# The SCRAM users (services/kit/acls.py `users`: the admin super user, one per
# service, one per department, the operator; local password = user name, the
# admin's from FOLLOWUP_KAFKA_ADMIN_PASSWORD at format time) are created when
# the storage is formatted; `start` then applies the ACLs of the deployment's
# topic prefix (FOLLOWUP_TOPIC_PREFIX, default followup) with
# `python -m services.kit.acls apply`. A data dir formatted before the broker
# had users is refused: `make wipe-stack` (or `stack.sh wipe`) first.
#
#   bash deploy/local/stack.sh start|wait|stop|restart|wipe|status|env
#   bash deploy/local/stack.sh stop-broker|kill-broker|start-broker N
#
# Every subcommand is idempotent. Environment knobs (all optional):
#   FOLLOWUP_STATE                   state dir           (default <repo>/.local)
#   FOLLOWUP_CACHE                   jar cache           (default $HOME/.cache/followup)
#   BROKERS (or FOLLOWUP_BROKERS)    Kafka nodes         (default: as formatted, else 1;
#                                    3 gives RF 3, min.insync.replicas 2; fixed at format time)
#   FOLLOWUP_KAFKA_PORT              broker port         (default 9092; node N: + STEP*(N-1))
#   FOLLOWUP_KAFKA_CONTROLLER_PORT   KRaft controller    (default 9093; node N: + STEP*(N-1);
#                                                         fixed at format time)
#   FOLLOWUP_KAFKA_PORT_STEP         port step per node  (default 100)
#   FOLLOWUP_KAFKA_PORTS             explicit broker ports, comma-separated (node 1 first)
#   FOLLOWUP_KAFKA_CONTROLLER_PORTS  explicit controller ports, comma-separated
#   FOLLOWUP_STACK_POSTGRES          0: Kafka only, no PostgreSQL (default 1)
#   FOLLOWUP_PG_PORT                 PostgreSQL port     (default 5433)
#   FOLLOWUP_WAIT_TIMEOUT            readiness timeout s (default 180)
#   FOLLOWUP_KAFKA_HEAP_OPTS         heap of each node   (default "-Xms512m -Xmx1g",
#                                                         "-Xms256m -Xmx768m" for a cluster)
#   FOLLOWUP_KAFKA_ADMIN_PASSWORD    the admin's password (default followup-admin; fixed at
#                                    format time, kept in <state>/kafka/admin.password)
#   FOLLOWUP_TOPIC_PREFIX            prefix whose ACLs `start` applies (default followup)
#   FOLLOWUP_PYTHON                  python with the project (default <repo>/.venv/bin/python)
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
KAFKA_PORT_STEP=${FOLLOWUP_KAFKA_PORT_STEP:-100}
REQUESTED_BROKERS=${BROKERS:-${FOLLOWUP_BROKERS:-}}
WITH_PG=${FOLLOWUP_STACK_POSTGRES:-1}
PG_PORT=${FOLLOWUP_PG_PORT:-5433}
WAIT_TIMEOUT=${FOLLOWUP_WAIT_TIMEOUT:-180}
PYTHON=${FOLLOWUP_PYTHON:-$REPO_ROOT/.venv/bin/python}
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
KCLUSTER_ID=$KSTATE/cluster.id
KBROKERS_FILE=$KSTATE/brokers  # the node count the storage was formatted for
KSECURITY_FILE=$KSTATE/security  # "scram-sha-512": formatted with SCRAM users
KADMIN_PASSWORD_FILE=$KSTATE/admin.password
KCLIENT_PROPS=$KSTATE/admin.properties  # the admin's client config (probe, kafka tools)
KAFKA_ADMIN_USER=followup-admin     # = services/kit/acls.py ADMIN_USER

# How many nodes: the count the state was formatted for, else BROKERS, else 1.
# A single node keeps the historical layout directly under kafka/; a cluster
# has one directory per node (kafka/node-<id>/).
recorded_brokers() {
    if [[ -s $KBROKERS_FILE ]]; then
        cat -- "$KBROKERS_FILE"
    elif [[ -f $KSTATE/data/meta.properties ]]; then
        echo 1          # formatted before the count was recorded: a single node
    fi
}
RECORDED_BROKERS=$(recorded_brokers)
NBROKERS=${REQUESTED_BROKERS:-${RECORDED_BROKERS:-1}}
[[ $NBROKERS =~ ^[1-9]$ ]] || die "BROKERS must be 1..9 (got '$NBROKERS')"
if ((NBROKERS >= 3)); then KAFKA_RF=3; else KAFKA_RF=$NBROKERS; fi
if ((KAFKA_RF >= 3)); then KAFKA_MIN_ISR=2; else KAFKA_MIN_ISR=1; fi
if ((NBROKERS > 1)); then
    read -r -a KAFKA_HEAP <<<"${FOLLOWUP_KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
fi

# Ports of node i (1-based): explicit lists win, else base + STEP*(i-1).
KAFKA_PORTS_CSV=${FOLLOWUP_KAFKA_PORTS:-}
KAFKA_CONTROLLER_PORTS_CSV=${FOLLOWUP_KAFKA_CONTROLLER_PORTS:-}
read -r -a KAFKA_PORT_LIST <<<"${KAFKA_PORTS_CSV//,/ }"
read -r -a KAFKA_CONTROLLER_PORT_LIST <<<"${KAFKA_CONTROLLER_PORTS_CSV//,/ }"
node_port() {
    local i=$1
    if ((${#KAFKA_PORT_LIST[@]} > 0)); then
        [[ -n ${KAFKA_PORT_LIST[i - 1]:-} ]] || die "FOLLOWUP_KAFKA_PORTS lists fewer than $i ports"
        echo "${KAFKA_PORT_LIST[i - 1]}"
    else
        echo $((KAFKA_PORT + KAFKA_PORT_STEP * (i - 1)))
    fi
}
node_controller_port() {
    local i=$1
    if ((${#KAFKA_CONTROLLER_PORT_LIST[@]} > 0)); then
        [[ -n ${KAFKA_CONTROLLER_PORT_LIST[i - 1]:-} ]] || die "FOLLOWUP_KAFKA_CONTROLLER_PORTS lists fewer than $i ports"
        echo "${KAFKA_CONTROLLER_PORT_LIST[i - 1]}"
    else
        echo $((KAFKA_CONTROLLER_PORT + KAFKA_PORT_STEP * (i - 1)))
    fi
}

# node i: sets NDIR NDATA NLOGS NPROPS NPID NOUT NSERVER_LOG NPORT NCPORT.
node() {
    local i=$1
    if ((NBROKERS == 1)); then NDIR=$KSTATE; else NDIR=$KSTATE/node-$i; fi
    NDATA=$NDIR/data
    NLOGS=$NDIR/logs
    NPROPS=$NDIR/server.properties
    NPID=$NDIR/kafka.pid
    NOUT=$NDIR/kafka.out        # JVM stdout/stderr (normally near-empty)
    NSERVER_LOG=$NLOGS/server.log
    NPORT=$(node_port "$i")
    NCPORT=$(node_controller_port "$i")
}

check_node_id() {
    [[ ${1:-} =~ ^[1-9]$ ]] && (($1 <= NBROKERS)) || die "node id must be 1..$NBROKERS (got '${1:-}')"
}

running_nodes() {
    local i up=0
    for ((i = 1; i <= NBROKERS; i++)); do
        if kafka_pid "$i" >/dev/null; then up=$((up + 1)); fi
    done
    echo "$up"
}

bootstrap_servers() {
    local i out=""
    for ((i = 1; i <= NBROKERS; i++)); do
        out+=${out:+,}127.0.0.1:$(node_port "$i")
    done
    echo "$out"
}

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

# kafka_pid I: print the pid of node I's broker, or fail when none runs.
kafka_pid() {
    local pid
    node "$1"
    [[ -f $NPID ]] || return 1
    pid=$(cat -- "$NPID" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    pid_alive "$pid" || return 1
    # Guard against pid reuse: it must be a broker started with our config.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $NPROPS" || return 1
    echo "$pid"
}

# A single node keeps its dynamic quorum (formatted --standalone); a cluster
# uses a static quorum of all its nodes (each one broker and controller).
write_kafka_config() {
    local i=$1 quorum j voters="" admin_pw
    node "$i"
    admin_pw=$(admin_password)
    mkdir -p -- "$NDATA" "$NLOGS"
    if ((NBROKERS == 1)); then
        quorum="controller.quorum.bootstrap.servers=127.0.0.1:$NCPORT"
    else
        for ((j = 1; j <= NBROKERS; j++)); do
            voters+=${voters:+,}$j@127.0.0.1:$(node_controller_port "$j")
        done
        quorum="controller.quorum.voters=$voters"
    fi
    cat >"$NPROPS.tmp" <<EOC
# Generated by deploy/local/stack.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=$i
$quorum
listeners=SASL_PLAINTEXT://127.0.0.1:$NPORT,CONTROLLER://127.0.0.1:$NCPORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$NPORT,CONTROLLER://127.0.0.1:$NCPORT
inter.broker.listener.name=SASL_PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
# Clients and brokers: SCRAM-SHA-512 users (created at format time). The
# controller listener: PLAIN with the admin only (SCRAM credentials live in
# the metadata log the controllers serve, so they cannot guard it).
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$admin_pw";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_ADMIN_USER" password="$admin_pw" user_$KAFKA_ADMIN_USER="$admin_pw";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$KAFKA_ADMIN_USER
allow.everyone.if.no.acl.found=false
log.dirs=$NDATA
num.partitions=6
default.replication.factor=$KAFKA_RF
min.insync.replicas=$KAFKA_MIN_ISR
unclean.leader.election.enable=false
auto.create.topics.enable=true
offsets.topic.replication.factor=$KAFKA_RF
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$KAFKA_RF
transaction.state.log.min.isr=$KAFKA_MIN_ISR
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=$KAFKA_RF
share.coordinator.state.topic.min.isr=$KAFKA_MIN_ISR
group.initial.rebalance.delay.ms=0
EOC
    if ((NBROKERS > 1)); then
        # A killed node is fenced, and its partitions led elsewhere, after
        # this long without a heartbeat (Kafka's default is 9 s).
        echo "broker.session.timeout.ms=6000" >>"$NPROPS.tmp"
    fi
    mv -- "$NPROPS.tmp" "$NPROPS"
}

# The node count is fixed when the storage is formatted: refuse another one.
check_broker_count() {
    if [[ -n $RECORDED_BROKERS && $RECORDED_BROKERS != "$NBROKERS" ]]; then
        die "$KSTATE was formatted for $RECORDED_BROKERS broker(s), not $NBROKERS; 'stack.sh wipe' it first or use another FOLLOWUP_STATE"
    fi
}

format_kafka_storage() {
    local i=$1 cid
    node "$i"
    [[ -f $NDATA/meta.properties ]] && return 0
    if [[ -s $KCLUSTER_ID ]]; then
        cid=$(cat -- "$KCLUSTER_ID")
    else
        cid=$(java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
        [[ $cid =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka StorageTool random-uuid returned '$cid'"
        echo "$cid" >"$KCLUSTER_ID"
    fi
    echo "$NBROKERS" >"$KBROKERS_FILE"
    local standalone=()
    if ((NBROKERS == 1)); then
        # Kafka 4.x: with controller.quorum.bootstrap.servers (dynamic quorum)
        # the single controller must be formatted with --standalone.
        standalone=(--standalone)
        log "formatting Kafka storage in $NDATA (cluster id $cid, standalone KRaft quorum)"
    else
        log "formatting Kafka node $i storage in $NDATA (cluster id $cid, static quorum of $NBROKERS)"
    fi
    local scram=() user pw
    scram+=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_ADMIN_USER,password=$(admin_password)]")
    while read -r user pw; do
        [[ $user == "$KAFKA_ADMIN_USER" || -z $user ]] && continue
        scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$pw]")
    done < <(local_users)
    if ! java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
        --cluster-id "$cid" --config "$NPROPS" "${standalone[@]}" "${scram[@]}" >"$NDIR/format.log" 2>&1; then
        tail_log "$NDIR/format.log"
        die "kafka storage format failed (node $i)"
    fi
    echo scram-sha-512 >"$KSECURITY_FILE"
    log "node $i formatted with $((${#scram[@]} / 2)) SCRAM-SHA-512 user(s)"
}

# The stack's Python (for services/kit/acls.py), or nothing.
have_python() { [[ -x $PYTHON ]] && (cd -- "$REPO_ROOT" && "$PYTHON" -c 'import services.kit.acls') >/dev/null 2>&1; }

# local_users: "NAME PASSWORD" per line, every local user (services/kit/acls.py).
local_users() {
    if have_python; then
        (cd -- "$REPO_ROOT" && "$PYTHON" -m services.kit.acls users)
    else
        warn "no project Python at $PYTHON (make the venv first): only the admin user is created;"
        warn "add the others later with: python -m services.kit.acls password USER"
    fi
}

# The admin's password: the one the storage was formatted with, else
# FOLLOWUP_KAFKA_ADMIN_PASSWORD, else the development default.
admin_password() {
    if [[ -s $KADMIN_PASSWORD_FILE ]]; then
        cat -- "$KADMIN_PASSWORD_FILE"
    else
        mkdir -p -- "$KSTATE"
        (umask 077 && printf '%s\n' "${FOLLOWUP_KAFKA_ADMIN_PASSWORD:-followup-admin}" >"$KADMIN_PASSWORD_FILE")
        cat -- "$KADMIN_PASSWORD_FILE"
    fi
}

write_client_props() {
    mkdir -p -- "$KSTATE"
    (
        umask 077
        cat >"$KCLIENT_PROPS.tmp" <<EOP
# Generated by deploy/local/stack.sh: the admin's client config, e.g.
#   java -cp "$KAFKA_LIBS/*" kafka.admin.AclCommand --bootstrap-server $(bootstrap_servers) --command-config $KCLIENT_PROPS --list
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$(admin_password)";
EOP
        mv -- "$KCLIENT_PROPS.tmp" "$KCLIENT_PROPS"
    )
}

# A data dir formatted before the broker had SCRAM users cannot be upgraded
# in place (the users are written at format time): refuse it clearly.
check_security_format() {
    local i formatted=0
    for ((i = 1; i <= NBROKERS; i++)); do
        node "$i"
        [[ -f $NDATA/meta.properties ]] && formatted=1
    done
    if ((formatted)) && [[ ! -s $KSECURITY_FILE ]]; then
        die "$KSTATE was formatted without SCRAM users (before the broker required authentication); its events cannot be kept: run 'make wipe-stack' (bash deploy/local/stack.sh wipe), then 'make stack'"
    fi
}

# apply_acls: the ACLs of the deployment's topic prefix, as the admin.
apply_acls() {
    local prefix=${FOLLOWUP_TOPIC_PREFIX:-followup}
    if ! have_python; then
        warn "no project Python at $PYTHON: ACLs of '$prefix' not applied (deploy/local/services.sh applies them)"
        return 0
    fi
    if ! (cd -- "$REPO_ROOT" && FOLLOWUP_KAFKA_BOOTSTRAP=$(bootstrap_servers) \
        FOLLOWUP_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT FOLLOWUP_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
        FOLLOWUP_KAFKA_SASL_USERNAME=$KAFKA_ADMIN_USER FOLLOWUP_KAFKA_SASL_PASSWORD=$(admin_password) \
        "$PYTHON" -m services.kit.acls apply --prefix "$prefix" 2>&1 | sed 's/^/[stack] /'); then
        die "applying the ACLs of '$prefix' failed"
    fi
}

start_kafka_node() {
    local i=$1 pid p
    node "$i"
    if pid=$(kafka_pid "$i"); then
        log "Kafka node $i already running (pid $pid) - nothing to do"
        return 0
    fi
    rm -f -- "$NPID"
    write_kafka_config "$i"
    for p in "$NPORT" "$NCPORT"; do
        port_open "$p" && die "127.0.0.1:$p is in use by another process (not this stack's Kafka node $i); see 'ss -ltnp'"
    done
    format_kafka_storage "$i"
    # Removing the old log makes "Kafka Server started" a marker of this run.
    rm -f -- "$NSERVER_LOG"
    log "starting Kafka $KAFKA_VERSION node $i on 127.0.0.1:$NPORT (controller :$NCPORT)"
    (
        cd -- "$NDIR"
        close_extra_fds
        # setsid: own session, survives this script and its process group;
        # nohup + redirections: no fd of the caller is kept open.
        exec setsid nohup java "${KAFKA_HEAP[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
            -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
            -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkafka.logs.dir="$NLOGS" \
            -cp "$KAFKA_LIBS/*" kafka.Kafka "$NPROPS" </dev/null >"$NOUT" 2>&1
    ) &
    echo $! >"$NPID"
    sleep 0.3
    if ! kafka_pid "$i" >/dev/null; then
        # setsid forks when it is already a group leader; find the real pid.
        pid=$(pgrep -f -- "kafka.Kafka $NPROPS" | head -n 1 || true)
        [[ -n $pid ]] && echo "$pid" >"$NPID"
    fi
}

start_kafka() {
    local i
    check_broker_count
    for ((i = 1; i <= NBROKERS; i++)); do start_kafka_node "$i"; done
}

# stop_kafka_node I [SIGNAL]: SIGTERM (then SIGKILL after 30 s), or SIGKILL at once.
stop_kafka_node() {
    local i=$1 sig=${2:-TERM} pid j
    node "$i"
    if ! pid=$(kafka_pid "$i"); then
        log "Kafka node $i not running"
        rm -f -- "$NPID"
        return 0
    fi
    log "stopping Kafka node $i (pid $pid, SIG$sig)"
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((j = 0; j < 300; j++)); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    if pid_alive "$pid"; then
        warn "Kafka node $i (pid $pid) still alive after 30 s - SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((j = 0; j < 50; j++)); do pid_alive "$pid" || break; sleep 0.1; done
    fi
    rm -f -- "$NPID"
    log "Kafka node $i stopped"
}

stop_kafka() {
    local sig=${1:-TERM} i j pid pids=() alive
    # All nodes at once: stopped one by one, the last ones would wait in vain
    # for a controller quorum that is already gone.
    for ((i = 1; i <= NBROKERS; i++)); do
        if pid=$(kafka_pid "$i"); then
            log "stopping Kafka node $i (pid $pid, SIG$sig)"
            kill "-$sig" "$pid" 2>/dev/null || true
            pids+=("$pid")
        else
            log "Kafka node $i not running"
        fi
    done
    for ((j = 0; j < 300; j++)); do
        alive=0
        for pid in "${pids[@]}"; do pid_alive "$pid" && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if pid_alive "$pid"; then
            warn "Kafka (pid $pid) still alive after 30 s - SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for ((j = 0; j < 50; j++)); do
        alive=0
        for pid in "${pids[@]}"; do pid_alive "$pid" && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for ((i = 1; i <= NBROKERS; i++)); do node "$i"; rm -f -- "$NPID"; done
    ((${#pids[@]} == 0)) || log "Kafka stopped"
}

kafka_timeout() {
    local i
    warn "timed out after ${WAIT_TIMEOUT}s waiting for Kafka ($(bootstrap_servers))${1:+ ($1)}"
    for ((i = 1; i <= NBROKERS; i++)); do
        node "$i"
        tail_log "$NSERVER_LOG" $((40 / NBROKERS))
        tail_log "$NOUT" 10
    done
    die "Kafka is not ready"
}

# wait_kafka_node I DEADLINE: node I runs and has started (or has been up long).
wait_kafka_node() {
    local i=$1 deadline=$2 pid
    node "$i"
    while :; do
        if ! pid=$(kafka_pid "$i"); then
            warn "Kafka node $i is not running (no live broker process behind $NPID)"
            tail_log "$NSERVER_LOG"
            tail_log "$NOUT" 20
            if ((NBROKERS == 1)); then die "Kafka is down; run: bash deploy/local/stack.sh start"; fi
            die "Kafka node $i is down; run: bash deploy/local/stack.sh start-broker $i"
        fi
        # The log line only saves probing a broker still starting. A broker up
        # for long may have rolled that line out of its log.
        if port_open "$NPORT" && { grep -q 'Kafka Server started' "$NSERVER_LOG" 2>/dev/null || (( $(date +%s) - $(stat -c %Y "$NPID" 2>/dev/null || date +%s) > 60 )); }; then
            return 0
        fi
        ((SECONDS < deadline)) || kafka_timeout "node $i has not started"
        sleep 0.5
    done
}

# probe BOOTSTRAP MIN_BROKERS DEADLINE: a real client round trip (DescribeCluster
# + ListTopics via kafka-clients) that sees at least MIN_BROKERS brokers.
probe_kafka() {
    local bootstrap=$1 min=$2 deadline=$3 probe="" left
    while :; do
        left=$((deadline - SECONDS))
        ((left >= 5)) || left=5
        if probe=$(timeout "$left" java -Xmx128m -Dlog4j2.level=ERROR -cp "$KAFKA_LIBS/*" \
            "$KAFKA_READY_SRC" "$bootstrap" "$min" "$KCLIENT_PROPS" 2>&1); then
            log "Kafka ready: ${probe##*$'\n'}"
            return 0
        fi
        ((SECONDS < deadline)) || kafka_timeout "${probe##*$'\n'}"
        sleep 1
    done
}

wait_kafka() {
    local deadline=$1 i
    write_client_props
    log "waiting for Kafka ($NBROKERS node(s): $(bootstrap_servers))"
    for ((i = 1; i <= NBROKERS; i++)); do wait_kafka_node "$i" "$deadline"; done
    probe_kafka "$(bootstrap_servers)" "$NBROKERS" "$deadline"
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
# The data sits in memory or on SSD: an index probe costs little more than
# a sequential read (the default 4 prices spinning disks and makes the
# reporting reads hash a million visits instead of probing them by key).
random_page_cost = 1.1
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
with_pg() { [[ $WITH_PG != 0 ]]; }

cmd_wait() {
    local deadline=$((SECONDS + WAIT_TIMEOUT))
    check_security_format
    if with_pg; then
        pg_locate || die "no PostgreSQL cluster under $STATE yet; run: bash deploy/local/stack.sh start"
        pg_find_bin
        [[ -n $PG_BIN ]] || die "PostgreSQL binaries not installed; run: bash deploy/local/stack.sh start"
    fi
    wait_kafka "$deadline"
    if with_pg; then wait_pg "$deadline"; fi
}

cmd_start() {
    local t0=$SECONDS
    take_lock
    check_java
    ensure_jars
    check_broker_count
    check_security_format
    if with_pg; then
        pg_choose_base
        ensure_postgres
        if ! pg_running && port_open "$PG_PORT"; then
            die "127.0.0.1:$PG_PORT is in use by another process (not this stack's PostgreSQL); see 'ss -ltnp'"
        fi
    fi
    start_kafka          # returns at once; the brokers boot in the background
    if with_pg; then start_pg; fi   # pg_ctl -w blocks until the server accepts connections
    cmd_wait
    apply_acls
    if with_pg; then
        ensure_pg_app_db
        log "stack up in $((SECONDS - t0)) s: kafka $(bootstrap_servers), postgres $(pg_url)"
    else
        log "Kafka up in $((SECONDS - t0)) s: $(bootstrap_servers) (no PostgreSQL: FOLLOWUP_STACK_POSTGRES=0)"
    fi
}

cmd_stop() {
    take_lock
    stop_kafka "${1:-TERM}"
    with_pg || return 0
    if pg_locate; then
        pg_find_bin
        stop_pg
    else
        log "PostgreSQL not running (no cluster under $STATE)"
    fi
}

cmd_wipe() {
    # Kafka's data goes anyway: no clean shutdown needed (and none can hang).
    cmd_stop KILL
    local d
    if [[ -e $KSTATE ]]; then
        log "removing $KSTATE"
        rm -rf -- "${KSTATE:?}"
    fi
    with_pg || { log "wiped Kafka (jar cache $KAFKA_CACHE_DIR kept)"; return 0; }
    pg_locate || PG_BASE=""
    for d in ${PG_BASE:+"$PG_BASE"} ${PG_BASE:+"$PG_SOCK"} "$STATE/pg" "/var/tmp/followup-pg-$STATE_HASH" "/tmp/followup-pg-$STATE_HASH.run"; do
        if [[ -e $d ]]; then
            log "removing $d"
            rm -rf -- "${d:?}"
        fi
    done
    rm -f -- "$PG_LOCATION_FILE" "$STATE/apt-postgresql.log"
    log "wiped (jar cache $KAFKA_CACHE_DIR kept)"
}

# For the fault suite: one node of the cluster down and up again.
cmd_stop_broker() {
    check_node_id "${1:-}"
    take_lock
    stop_kafka_node "$1" "${2:-TERM}"
}

cmd_start_broker() {
    local i=${1:-} deadline=$((SECONDS + WAIT_TIMEOUT)) up
    check_node_id "$i"
    take_lock
    check_java
    ensure_jars
    check_broker_count
    check_security_format
    start_kafka_node "$i"
    wait_kafka_node "$i" "$deadline"
    up=$(running_nodes)
    node "$i"
    write_client_props
    # The node itself answers, and it sees every node that runs.
    probe_kafka "127.0.0.1:$NPORT" "$up" "$deadline"
}

cmd_status() {
    local rc=0 pid i up
    echo "state dir: $STATE"
    echo "jar cache: $KAFKA_LIBS ($(jars_complete && echo complete || echo 'not downloaded'))"
    up=$(running_nodes)
    if ((NBROKERS == 1)); then
        node 1
        if pid=$(kafka_pid 1); then
            echo "kafka $KAFKA_VERSION: RUNNING pid $pid; listeners $(sed -n 's/^listeners=//p' "$NPROPS")"
        else
            echo "kafka $KAFKA_VERSION: stopped"
            rc=3
        fi
        echo "  data $NDATA, log $NSERVER_LOG"
    else
        echo "kafka $KAFKA_VERSION: $up of $NBROKERS nodes running (broker+controller each; RF $KAFKA_RF, min.insync.replicas $KAFKA_MIN_ISR); bootstrap $(bootstrap_servers)"
        for ((i = 1; i <= NBROKERS; i++)); do
            node "$i"
            if pid=$(kafka_pid "$i"); then
                echo "  node $i: RUNNING pid $pid; 127.0.0.1:$NPORT (controller :$NCPORT)"
            else
                echo "  node $i: stopped; 127.0.0.1:$NPORT (controller :$NCPORT)"
            fi
            echo "    data $NDATA, log $NSERVER_LOG"
        done
        ((up == NBROKERS)) || rc=3
    fi
    if ! with_pg; then
        echo "postgresql: not managed here (FOLLOWUP_STACK_POSTGRES=0)"
    elif pg_locate; then
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
    echo "export FOLLOWUP_KAFKA_BOOTSTRAP=$(bootstrap_servers)"
    echo "export FOLLOWUP_REPLICATION_FACTOR=$KAFKA_RF"
    if [[ -s $KSECURITY_FILE ]]; then
        echo "export FOLLOWUP_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT"
        echo "export FOLLOWUP_KAFKA_SASL_MECHANISM=SCRAM-SHA-512"
        echo "export FOLLOWUP_KAFKA_SASL_USERNAME=$KAFKA_ADMIN_USER"
        echo "export FOLLOWUP_KAFKA_SASL_PASSWORD=$(admin_password)"
    elif [[ -e $KSTATE ]]; then
        # formatted before the broker had users (start refuses it: wipe)
        echo "export FOLLOWUP_KAFKA_SECURITY_PROTOCOL=PLAINTEXT"
    fi
    if with_pg; then echo "export FOLLOWUP_DATABASE_URL=$(pg_url)"; fi
}

usage() {
    cat <<EOU
usage: bash deploy/local/stack.sh COMMAND

  start           fetch jars / install PostgreSQL if needed, start Kafka and PostgreSQL
                  unless running, wait until both answer, ensure role+db 'followup'
  wait            wait (max \${FOLLOWUP_WAIT_TIMEOUT:-180}s) until Kafka and PostgreSQL answer
  stop            stop both (Kafka SIGTERM then SIGKILL after 30 s; pg_ctl -m fast)
  restart         stop, then start
  wipe            stop, then delete Kafka and PostgreSQL data (the jar cache stays)
  status          show what runs (exit 0 when all run, 3 otherwise)
  env             print export lines for FOLLOWUP_KAFKA_BOOTSTRAP, FOLLOWUP_REPLICATION_FACTOR,
                  the admin's broker credentials (FOLLOWUP_KAFKA_SASL_*) and FOLLOWUP_DATABASE_URL
  stop-broker N   stop Kafka node N (SIGTERM, SIGKILL after 30 s)
  kill-broker N   SIGKILL Kafka node N (a crash: no clean shutdown)
  start-broker N  start Kafka node N again and wait until it answers

  BROKERS=3 bash deploy/local/stack.sh start   starts a three-node KRaft cluster
  (RF 3, min.insync.replicas 2, unclean leader election off).

state: $STATE   jars: $KAFKA_LIBS   kafka nodes: $NBROKERS
EOU
}

case ${1:-} in
start) cmd_start ;;
wait) cmd_wait ;;
stop) cmd_stop ;;
restart) cmd_stop; exec 9>&-; cmd_start ;;
wipe) cmd_wipe ;;
status) cmd_status ;;
env) cmd_env ;;
stop-broker) cmd_stop_broker "${2:-}" TERM ;;
kill-broker) cmd_stop_broker "${2:-}" KILL ;;
start-broker) cmd_start_broker "${2:-}" ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
