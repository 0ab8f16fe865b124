# shellcheck shell=bash
# Starts and stops the throwaway servers that latchkey's end-to-end tests and the local
# development stack run against: a PostgreSQL 15 cluster, a Redis server, a self-signed
# TLS certificate, a master key and `latchkey serve` instances.
#
# Source this file, call lk_services_init RUN_DIR, and call lk_stop_all from an EXIT trap.
# Every process started here records its PID in RUN_DIR, and lk_stop_all stops exactly
# those PIDs, so nothing else on the machine is touched. Every server listens on
# 127.0.0.1 only.

LK_PG_BIN_DIR="${LK_PG_BIN_DIR:-/usr/lib/postgresql/15/bin}"
LK_SERVICES_DIR=""
LK_STARTED_SERVES=()

lk_log() {
    printf '%s: %s\n' "${LK_LOG_TAG:-services}" "$*" >&2
}

# Creates RUN_DIR (if needed) and stops any server that an interrupted earlier run left
# behind in it, so that a rerun starts from the same state as a first run.
lk_services_init() {
    LK_SERVICES_DIR="$1"
    mkdir -p "$LK_SERVICES_DIR"
    LK_SERVICES_DIR="$(cd "$LK_SERVICES_DIR" && pwd)"
    lk_stop_stale
}

# Runs a command as the unprivileged `postgres` system user when this script runs as root,
# because PostgreSQL refuses to run as root. Run by a developer's own account, the command
# runs as that account.
lk_as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Returns 0 if PID is alive and its command line contains NAME. The name check keeps a
# stale pid file, whose PID the system may have reused, from stopping an unrelated process.
lk_pid_is() {
    local pid="$1" name="$2"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name"
}

# Sends SIGTERM to PID and waits up to TIMEOUT seconds (default 15) for it to exit, then
# sends SIGKILL. Returns 0 once the process is gone.
lk_stop_pid() {
    local pid="$1" timeout="${2:-15}" waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge $((timeout * 10)) ]; then
            lk_log "process $pid did not stop within ${timeout}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    return 0
}

# Stops the servers recorded in the run directory by an earlier run that did not clean up.
lk_stop_stale() {
    local pid_file pid
    for pid_file in "$LK_SERVICES_DIR"/serve-*.pid; do
        [ -f "$pid_file" ] || continue
        pid="$(cat "$pid_file")"
        if lk_pid_is "$pid" latchkey; then
            lk_log "stopping latchkey (pid $pid) left by an earlier run"
            lk_stop_pid "$pid"
        fi
        rm -f "$pid_file"
    done
    if [ -f "$LK_SERVICES_DIR/redis.pid" ]; then
        pid="$(cat "$LK_SERVICES_DIR/redis.pid")"
        if lk_pid_is "$pid" redis-server; then
            lk_log "stopping redis-server (pid $pid) left by an earlier run"
            lk_stop_pid "$pid"
        fi
        rm -f "$LK_SERVICES_DIR/redis.pid"
    fi
    lk_pg_stop
}

# Returns 0 if something already listens on 127.0.0.1:PORT.
lk_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts a throwaway PostgreSQL cluster on 127.0.0.1:PORT with a database DBNAME owned by a
# role of the same name, and prints its connection URI on standard output. Callers usually
# run it in a command substitution, so the cluster's location is kept in a file of the run
# directory rather than in a variable.
#
# The cluster lives in RUN_DIR/postgres (owned by the postgres user) when that user can
# reach the run directory, else in a private directory under /tmp. It trusts every local
# connection, because only this machine's loopback interface can reach it and it holds
# test data only, and it runs with fsync off for speed.
lk_pg_start() {
    local port="$1" dbname="${2:-latchkey}" base data_dir
    if lk_port_in_use "$port"; then
        lk_log "port $port is already in use; stop whatever listens there or choose another port"
        return 1
    fi

    base="$LK_SERVICES_DIR/postgres"
    mkdir -p "$base"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$base"
        if ! runuser -u postgres -- test -w "$base"; then
            base="$(mktemp -d /tmp/latchkey-pg.XXXXXX)"
            chown postgres: "$base"
        fi
    fi
    data_dir="$base/data"
    rm -rf "$data_dir"
    echo "$data_dir" >"$LK_SERVICES_DIR/postgres.datadir"

    if ! lk_as_pg_user "$LK_PG_BIN_DIR/initdb" -D "$data_dir" -U postgres -A trust \
        -E UTF8 --locale=C.UTF-8 >"$LK_SERVICES_DIR/postgres-initdb.log" 2>&1; then
        lk_log "initdb failed:"
        tail -n 20 "$LK_SERVICES_DIR/postgres-initdb.log" >&2
        return 1
    fi
    lk_as_pg_user tee "$data_dir/pg_hba.conf" >/dev/null <<'HBA'
local all all              trust
host  all all 127.0.0.1/32 trust
HBA

    lk_pg_ctl_start "$data_dir" "$port" || return 1

    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE $dbname LOGIN" -c "CREATE DATABASE $dbname OWNER $dbname" >/dev/null || return 1
    echo "postgresql://$dbname@127.0.0.1:$port/$dbname"
}

# Creates another database DBNAME, owned by the role that lk_pg_start created, in the
# cluster on 127.0.0.1:PORT, and prints its connection URI. Tests that change settings
# the other tests rely on (signing keys, master keys) use one of their own.
lk_pg_create_database() {
    local port="$1" dbname="$2" owner="${3:-latchkey}"
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE $dbname OWNER $owner" >/dev/null || return 1
    echo "postgresql://$owner@127.0.0.1:$port/$dbname"
}

# Starts the cluster in DATA_DIR on 127.0.0.1:PORT with its socket beside DATA_DIR.
lk_pg_ctl_start() {
    local data_dir="$1" port="$2" base
    base="$(dirname "$data_dir")"
    if ! lk_as_pg_user "$LK_PG_BIN_DIR/pg_ctl" -D "$data_dir" -l "$base/postgres.log" -w -t 30 \
        -o "-p $port -k $base -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
        lk_log "PostgreSQL did not start:"
        tail -n 20 "$base/postgres.log" >&2
        return 1
    fi
}

# Starts again the cluster that lk_pg_start created in this run directory earlier, keeping
# its data, and prints its connection URI. Returns 1 if there is no such cluster.
lk_pg_resume() {
    local port="$1" dbname="${2:-latchkey}" data_dir
    [ -f "$LK_SERVICES_DIR/postgres.datadir" ] || return 1
    data_dir="$(cat "$LK_SERVICES_DIR/postgres.datadir")"
    [ -f "$data_dir/PG_VERSION" ] || return 1
    lk_pg_ctl_start "$data_dir" "$port" || return 1
    echo "postgresql://$dbname@127.0.0.1:$port/$dbname"
}

# Stops the cluster started by lk_pg_start or lk_pg_resume, if it runs.
lk_pg_stop() {
    local data_dir
    [ -f "$LK_SERVICES_DIR/postgres.datadir" ] || return 0
    data_dir="$(cat "$LK_SERVICES_DIR/postgres.datadir")"
    if [ -f "$data_dir/postmaster.pid" ]; then
        lk_as_pg_user "$LK_PG_BIN_DIR/pg_ctl" -D "$data_dir" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            lk_log "pg_ctl stop failed for $data_dir"
    fi
}

# Starts a throwaway Redis server on 127.0.0.1:PORT without persistence, waits until it
# answers PING, and prints its URL on standard output.
lk_redis_start() {
    local port="$1" dir="$LK_SERVICES_DIR/redis" waited=0
    if lk_port_in_use "$port"; then
        lk_log "port $port is already in use; stop whatever listens there or choose another port"
        return 1
    fi
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$LK_SERVICES_DIR/redis.pid" --dir "$dir" --logfile "$dir/redis.log" || return 1
    until [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; do
        if [ "$waited" -ge 100 ]; then
            lk_log "Redis did not answer PING within 10s:"
            tail -n 20 "$dir/redis.log" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "redis://127.0.0.1:$port/0"
}

# Stops the Redis server started by lk_redis_start, if it runs.
lk_redis_stop() {
    local pid
    [ -f "$LK_SERVICES_DIR/redis.pid" ] || return 0
    pid="$(cat "$LK_SERVICES_DIR/redis.pid")"
    if lk_pid_is "$pid" redis-server; then
        lk_stop_pid "$pid"
    fi
    rm -f "$LK_SERVICES_DIR/redis.pid"
}

# Writes a self-signed P-256 certificate for localhost, 127.0.0.1 and 127.0.0.2 to
# DIR/cert.pem and its key to DIR/key.pem, unless both exist already. The second loopback
# address lets the test suite run extra instances on the same port numbers.
lk_make_cert() {
    local dir="$1"
    [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && return 0
    mkdir -p "$dir"
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 30 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2" 2>/dev/null)
}

# Writes a master key (base64 of 32 random bytes) to FILE, readable by its owner only,
# unless FILE exists already.
lk_make_master_key() {
    local file="$1"
    [ -s "$file" ] && return 0
    (umask 077 && head -c 32 /dev/urandom | base64 >"$file")
}

# Starts `BINARY serve` in the background under NAME with its standard error appended to
# LOG, then waits up to 20 seconds for https BASE_URL/healthz to answer 200, checking the
# certificate against CA_FILE. The caller exports the LATCHKEY_* configuration first.
# On failure it prints the end of the log and returns 1.
lk_serve_start() {
    local name="$1" binary="$2" log="$3" base_url="$4" ca_file="$5" pid waited=0
    "$binary" serve </dev/null >>"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$LK_SERVICES_DIR/serve-$name.pid"
    LK_STARTED_SERVES+=("$name")

    until curl -fsS -o /dev/null --max-time 2 --cacert "$ca_file" "$base_url/healthz" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            lk_log "latchkey serve ($name) exited during start-up; end of $log:"
            tail -n 30 "$log" >&2
            return 1
        fi
        if [ "$waited" -ge 80 ]; then
            lk_log "latchkey serve ($name) did not answer $base_url/healthz within 20s; end of $log:"
            tail -n 30 "$log" >&2
            return 1
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
}

# Stops the instance started under NAME with SIGTERM, so that it shuts down gracefully
# (and a sanitizer build can report leaks), and waits for it. Returns its exit status,
# or 0 if it was not running.
lk_serve_stop() {
    local name="$1" pid_file="$LK_SERVICES_DIR/serve-$1.pid" pid status=0
    [ -f "$pid_file" ] || return 0
    pid="$(cat "$pid_file")"
    rm -f "$pid_file"
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || status=$?; return "$status"; }
    lk_stop_pid "$pid" 30
    wait "$pid" 2>/dev/null || status=$?
    return "$status"
}

# Stops every server this script started. Safe to call more than once.
lk_stop_all() {
    local name
    [ -n "$LK_SERVICES_DIR" ] || return 0
    for name in "${LK_STARTED_SERVES[@]}"; do
        lk_serve_stop "$name" || true
    done
    LK_STARTED_SERVES=()
    lk_redis_stop
    lk_pg_stop
}
