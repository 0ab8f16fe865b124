#!/usr/bin/env bash
# Measures latchkey's hot paths on this machine and prints the figures that
# docs/benchmarks.md records: login (Argon2id on the workers), token verification and the
# JWKS (both on the event loops), and verification latency during a burst of logins.
#
# Usage: bash tests/bench/bench.sh [SECONDS]   (each measurement runs SECONDS, default 10)
#
# It builds ./build, starts throwaway PostgreSQL, Redis and `latchkey serve` on 127.0.0.1
# (ports 54339, 56389 and 18453) under tests/.run/bench, drives them with wrk over TLS
# (HTTP/1.1, keep-alive), and stops everything when done. Every load is bounded by time.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
LK_LOG_TAG="bench"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"

duration="${1:-10}"
run_dir="$repo_root/tests/.run/bench"
build_dir="${LK_BUILD_DIR:-$repo_root/build}"
base_url="https://127.0.0.1:18453"
email="bench@example.com"
password="bench-password-$(openssl rand -hex 8)"

bash deploy/install-deps.sh
command -v wrk >/dev/null || apt-get install -y -q --no-install-recommends wrk
cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target latchkey >/dev/null
latchkey="$build_dir/latchkey"

lk_services_init "$run_dir"
trap lk_stop_all EXIT

export LATCHKEY_DATABASE_URL LATCHKEY_REDIS_URL
LATCHKEY_DATABASE_URL="$(lk_pg_start 54339)"
LATCHKEY_REDIS_URL="$(lk_redis_start 56389)"
lk_make_cert "$run_dir/tls"
lk_make_master_key "$run_dir/master.key"
export LATCHKEY_MASTER_KEY_FILE="$run_dir/master.key"
export LATCHKEY_TLS_CERT_FILE="$run_dir/tls/cert.pem"
export LATCHKEY_TLS_KEY_FILE="$run_dir/tls/key.pem"
export LATCHKEY_ISSUER="https://auth.bench.test"
export LATCHKEY_AUDIENCE="bench"
export LATCHKEY_LISTEN="$base_url"
# wrk sends every request from one address, so the rate limits are raised out of the way;
# tests/bench/limits.sh measures the limits themselves.
for limit in LOGIN_IP LOGIN_FAILURES LOGIN_ACCOUNT VERIFY PUBLIC; do
    export "LATCHKEY_RATE_LIMIT_$limit=1000000/1m"
done

"$latchkey" migrate >/dev/null
"$latchkey" keys create --activate >/dev/null
printf '%s\n' "$password" | "$latchkey" users create "$email" >/dev/null
# The verify endpoint accepts only service clients with the scope tokens:verify.
client="$("$latchkey" clients create "bench" --scope tokens:verify --json)"
client_basic="$(printf '%s:%s' "$(jq -r .client_id <<<"$client")" \
    "$(jq -r .client_secret <<<"$client")" | base64 -w0)"
: >"$run_dir/serve.log"
lk_serve_start bench "$latchkey" "$run_dir/serve.log" "$base_url" "$run_dir/tls/cert.pem"

token="$(curl -fsS --cacert "$run_dir/tls/cert.pem" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base_url/v1/login" | jq -r .access_token)"

# wrk scripts that POST a fixed JSON body, with an Authorization header when given.
post_script() {
    local file="$1" body="$2" authorization="${3:-}"
    cat >"$file" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$body'
LUA
    if [ -n "$authorization" ]; then
        echo "wrk.headers[\"Authorization\"] = \"$authorization\"" >>"$file"
    fi
}
post_script "$run_dir/login.lua" "{\"email\":\"$email\",\"password\":\"$password\"}"
post_script "$run_dir/verify.lua" "{\"token\":\"$token\"}" "Basic $client_basic"

# Prints "requests/s, p50, p99" from wrk's output with --latency.
summarize() {
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
         /Non-2xx/ {errors=$NF} END {printf "%s req/s, p50 %s, p99 %s%s\n", rps, p50, p99,
         errors ? ", non-2xx " errors : ""}'
}

measure() {
    local label="$1" connections="$2" threads="$3"
    shift 3
    printf '%-44s ' "$label"
    wrk -t "$threads" -c "$connections" -d "${duration}s" --latency "$@" | summarize
}

echo "latchkey benchmark: $(nproc) cores, ${duration}s per measurement, LATCHKEY_THREADS default"
measure "login, 1 connection" 1 1 -s "$run_dir/login.lua" "$base_url/v1/login"
measure "login, 8 connections" 8 2 -s "$run_dir/login.lua" "$base_url/v1/login"
measure "verify, 1 connection" 1 1 -s "$run_dir/verify.lua" "$base_url/v1/token/verify"
measure "verify, 32 connections" 32 2 -s "$run_dir/verify.lua" "$base_url/v1/token/verify"
measure "jwks, 32 connections" 32 2 "$base_url/.well-known/jwks.json"

# Verification latency while 8 clients keep the workers busy with Argon2id.
wrk -t 1 -c 8 -d "$((duration + 2))s" -s "$run_dir/login.lua" "$base_url/v1/login" >/dev/null &
login_load=$!
sleep 1
measure "verify, 1 connection, during 8 logins" 1 1 -s "$run_dir/verify.lua" \
    "$base_url/v1/token/verify"
wait "$login_load"
