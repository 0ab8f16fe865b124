#!/usr/bin/env bash
# Starts or stops the dedicated Redis that the Redis-outage tests stop and start again while
# two latchkey instances use it. It listens on a Unix socket in DIR only (no TCP port), so it
# needs no port of its own and nothing else can reach it.
#
# Usage: bash tests/lib/outage_redis.sh start|stop DIR
# start prints the redis URL; both exit non-zero on failure. stop stops only the PID that
# start recorded in DIR/redis.pid.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LK_LOG_TAG="outage_redis.sh"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"

command="${1:-}"
dir="${2:-}"
if [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi
mkdir -p "$dir"
socket="$dir/redis.sock"

start() {
    local waited=0
    redis-server --port 0 --unixsocket "$socket" --unixsocketperm 700 --save "" --appendonly no \
        --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" || return 1
    until [ "$(redis-cli -s "$socket" ping 2>/dev/null)" = "PONG" ]; do
        if [ "$waited" -ge 100 ]; then
            lk_log "Redis on $socket did not answer PING within 10s:"
            tail -n 20 "$dir/redis.log" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "unix://$socket"
}

stop() {
    local pid
    [ -f "$dir/redis.pid" ] || return 0
    pid="$(cat "$dir/redis.pid")"
    if lk_pid_is "$pid" redis-server; then
        lk_stop_pid "$pid"
    fi
    rm -f "$dir/redis.pid"
}

case "$command" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
