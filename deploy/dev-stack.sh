#!/usr/bin/env bash
# Starts a local latchkey development stack and runs `latchkey serve` in the foreground on
# https://localhost:8443 until Ctrl-C, which also stops the stack's PostgreSQL and Redis.
#
# It installs the dependencies, builds into ./build (or LK_BUILD_DIR), and keeps everything
# else in ./.stack (git-ignored): PostgreSQL on 127.0.0.1:55432, Redis on 127.0.0.1:56380, a self-signed
# certificate, the master key and the logs. The first run creates an active ES256 signing
# key and the user demo@example.com, whose random password it prints once. Later runs keep
# the database, keys and user, so the stack is safe to start again.
#
# Password-reset mails are not sent: `latchkey outbox watch` runs beside the server as a
# stand-in mailer and prints each queued message, reset link included, on this terminal.
# The links point at LATCHKEY_RESET_URL_BASE (http://localhost:3000/reset-password unless
# set), the page of the app under development.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
LK_LOG_TAG="dev-stack"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"

stack_dir="$repo_root/.stack"
build_dir="${LK_BUILD_DIR:-$repo_root/build}"
pg_port=55432
redis_port=56380
demo_email="demo@example.com"

bash deploy/install-deps.sh
cmake -S "$repo_root" -B "$build_dir" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target latchkey
latchkey="$build_dir/latchkey"

lk_services_init "$stack_dir"
outbox_watch_pid=""
# Stops the stand-in mailer (by its PID) and the stack's servers.
stop_stack() {
    if [ -n "$outbox_watch_pid" ]; then
        kill "$outbox_watch_pid" 2>/dev/null || true
        wait "$outbox_watch_pid" 2>/dev/null || true
    fi
    lk_stop_all
}
trap stop_stack EXIT
trap 'exit 130' INT TERM

export LATCHKEY_DATABASE_URL
LATCHKEY_DATABASE_URL="$(lk_pg_resume "$pg_port" || lk_pg_start "$pg_port")"
export LATCHKEY_REDIS_URL
LATCHKEY_REDIS_URL="$(lk_redis_start "$redis_port")"
lk_make_cert "$stack_dir/tls"
lk_make_master_key "$stack_dir/master.key"

export LATCHKEY_MASTER_KEY_FILE="$stack_dir/master.key"
export LATCHKEY_TLS_CERT_FILE="$stack_dir/tls/cert.pem"
export LATCHKEY_TLS_KEY_FILE="$stack_dir/tls/key.pem"
export LATCHKEY_ISSUER="${LATCHKEY_ISSUER:-https://localhost:8443}"
export LATCHKEY_AUDIENCE="${LATCHKEY_AUDIENCE:-latchkey-dev}"
export LATCHKEY_LISTEN="${LATCHKEY_LISTEN:-https://127.0.0.1:8443}"
export LATCHKEY_RESET_URL_BASE="${LATCHKEY_RESET_URL_BASE:-http://localhost:3000/reset-password}"

# The same settings for a second terminal: `source .stack/env` before running latchkey
# commands against this stack. The file contains paths and addresses, no secrets.
cat > "$stack_dir/env" <<ENV
export LATCHKEY_DATABASE_URL='$LATCHKEY_DATABASE_URL'
export LATCHKEY_REDIS_URL='$LATCHKEY_REDIS_URL'
export LATCHKEY_MASTER_KEY_FILE='$LATCHKEY_MASTER_KEY_FILE'
export LATCHKEY_TLS_CERT_FILE='$LATCHKEY_TLS_CERT_FILE'
export LATCHKEY_TLS_KEY_FILE='$LATCHKEY_TLS_KEY_FILE'
export LATCHKEY_ISSUER='$LATCHKEY_ISSUER'
export LATCHKEY_AUDIENCE='$LATCHKEY_AUDIENCE'
export LATCHKEY_LISTEN='$LATCHKEY_LISTEN'
export LATCHKEY_RESET_URL_BASE='$LATCHKEY_RESET_URL_BASE'
ENV

"$latchkey" migrate

if ! "$latchkey" keys list --json | jq -e '(if type == "array" then . else .keys end) | any(.state == "active")' >/dev/null; then
    "$latchkey" keys create --activate
fi

# The demo user is created once, and its password is printed then and stored nowhere. The
# marker sits beside the database cluster, so a recreated cluster gets a new demo user.
demo_marker="$(dirname "$(cat "$stack_dir/postgres.datadir")")/demo-user-created"
if [ ! -f "$demo_marker" ]; then
    demo_password="$(openssl rand -base64 18 | tr -d '/+=\n')"
    if printf '%s\n' "$demo_password" | "$latchkey" users create "$demo_email" >/dev/null; then
        echo
        echo "Created the demo user. This password is shown only once:"
        echo "    email:    $demo_email"
        echo "    password: $demo_password"
        echo
    else
        lk_log "creating $demo_email failed; if it exists already, set its password again or remove $stack_dir"
        exit 1
    fi
    unset demo_password
    touch "$demo_marker"
fi

"$latchkey" outbox watch &
outbox_watch_pid=$!

cat <<INFO
latchkey is starting on https://localhost:8443 (CA certificate: $stack_dir/tls/cert.pem)
    curl --cacert $stack_dir/tls/cert.pem https://localhost:8443/readyz
Password-reset messages, with their links, are printed here as JSON lines.
Press Ctrl-C to stop latchkey, PostgreSQL and Redis.
INFO

# serve runs in the background so that a SIGINT or SIGTERM sent to this script alone, not
# only Ctrl-C, stops the stack. A background command of a script ignores SIGINT, so the
# trap passes one SIGTERM on, and serve drains its requests before the stack stops.
"$latchkey" serve &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid"; exit 130' INT TERM
wait "$serve_pid"
