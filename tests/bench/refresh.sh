#!/usr/bin/env bash
# Measures POST /v1/token/refresh on one latchkey instance and prints where a refresh
# spends its time. It prints the refresh rate and latency, the PostgreSQL statements and
# transactions per refresh with their mean execution time (from pg_stat_statements), and
# the functions that take the server's CPU time (from perf, when available).
#
# Usage: bash tests/bench/refresh.sh [SECONDS] [CONNECTIONS]
#        (SECONDS per measurement, default 10; CONNECTIONS for the parallel run, default 8)
#
# It builds ./build (or LK_BUILD_DIR), starts throwaway PostgreSQL, Redis and one
# `latchkey serve` on 127.0.0.1 under tests/.run/bench-refresh, and drives them with wrk
# over TLS (HTTP/1.1, keep-alive). Each wrk connection logs in once and then refreshes in
# a chain, always presenting the token the previous response returned, as a client does.
# Ports: PostgreSQL 54349, Redis 56399, latchkey 18463 (LK_BENCH_PG_PORT,
# LK_BENCH_REDIS_PORT and LK_BENCH_HTTPS_PORT override them). Every load is bounded by
# time, and everything started here is stopped on exit.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
LK_LOG_TAG="bench-refresh"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"

duration="${1:-10}"
connections="${2:-8}"
run_dir="$repo_root/tests/.run/bench-refresh"
build_dir="${LK_BUILD_DIR:-$repo_root/build}"
pg_port="${LK_BENCH_PG_PORT:-54349}"
redis_port="${LK_BENCH_REDIS_PORT:-56399}"
https_port="${LK_BENCH_HTTPS_PORT:-18463}"
base_url="https://127.0.0.1:$https_port"
email="bench-refresh@example.com"
password="bench-password-$(openssl rand -hex 8)"

bash deploy/install-deps.sh >/dev/null
command -v wrk >/dev/null || apt-get install -y -q --no-install-recommends wrk
cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target latchkey >/dev/null
latchkey="$build_dir/latchkey"

lk_services_init "$run_dir"
trap lk_stop_all EXIT

# PostgreSQL with pg_stat_statements loaded, which needs a restart after the setting.
database_url="$(lk_pg_start "$pg_port")"
psql_admin() {
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d latchkey "$@"
}
psql_admin -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
lk_pg_stop
database_url="$(lk_pg_resume "$pg_port")"
psql_admin -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null

export LATCHKEY_DATABASE_URL="$database_url"
LATCHKEY_REDIS_URL="$(lk_redis_start "$redis_port")"
export LATCHKEY_REDIS_URL
lk_make_cert "$run_dir/tls"
lk_make_master_key "$run_dir/master.key"
export LATCHKEY_MASTER_KEY_FILE="$run_dir/master.key"
export LATCHKEY_TLS_CERT_FILE="$run_dir/tls/cert.pem"
export LATCHKEY_TLS_KEY_FILE="$run_dir/tls/key.pem"
export LATCHKEY_ISSUER="https://auth.bench.test"
export LATCHKEY_AUDIENCE="bench"
export LATCHKEY_LISTEN="$base_url"

"$latchkey" migrate >/dev/null
"$latchkey" keys create --activate >/dev/null
printf '%s\n' "$password" | "$latchkey" users create "$email" >/dev/null
: >"$run_dir/serve.log"
lk_serve_start bench "$latchkey" "$run_dir/serve.log" "$base_url" "$run_dir/tls/cert.pem"
serve_pid="$(cat "$run_dir/serve-bench.pid")"

# Writes COUNT fresh refresh tokens, one per line, to FILE (one login each).
login_tokens() {
    local count="$1" file="$2"
    : >"$file"
    for _ in $(seq "$count"); do
        curl -fsS --cacert "$run_dir/tls/cert.pem" -H 'content-type: application/json' \
            -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base_url/v1/login" |
            jq -r .refresh_token >>"$file"
    done
}

# A wrk script in which every thread (one connection each) chains its own refresh tokens.
cat >"$run_dir/refresh.lua" <<'LUA'
local tokens = {}
local next_thread = 1
local threads = {}

function setup(thread)
    if #tokens == 0 then
        for line in io.lines(os.getenv("LK_BENCH_TOKENS")) do tokens[#tokens + 1] = line end
    end
    thread:set("token", tokens[next_thread])
    next_thread = next_thread + 1
    threads[#threads + 1] = thread
end

function request()
    return wrk.format("POST", "/v1/token/refresh", {["Content-Type"] = "application/json"},
                      '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
    if status == 200 then
        token = body:match('"refresh_token":"([^"]+)"')
    else
        broken = (broken or 0) + 1
    end
end

function done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get("broken") or 0) end
    io.write(string.format("non-200 responses: %d\n", total))
end
LUA

# Prints "requests/s, p50, p99, non-200" from wrk's output with --latency.
summarize() {
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
         /non-200 responses:/ {errors=$3} /Non-2xx/ {errors=$NF}
         END {printf "%s refreshes/s, p50 %s, p99 %s, non-200 %s\n", rps, p50, p99, errors + 0}'
}

# Counts from pg_stat_database and pg_stat_statements, reset before each measurement.
reset_statistics() {
    psql_admin -c "SELECT pg_stat_statements_reset(), pg_stat_reset()" >/dev/null
}
transactions() {
    psql_admin -At -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'latchkey'"
}

# Runs wrk with CONNECTIONS chained clients for the duration and prints the figures.
measure() {
    local label="$1" clients="$2" before after refreshes
    login_tokens "$clients" "$run_dir/tokens.txt"
    reset_statistics
    sleep 0.6 # pg_stat_database is updated at most twice a second
    before="$(transactions)"
    printf '%-36s ' "$label"
    LK_BENCH_TOKENS="$run_dir/tokens.txt" wrk -t "$clients" -c "$clients" -d "${duration}s" \
        --latency -s "$run_dir/refresh.lua" "$base_url/v1/token/refresh" >"$run_dir/wrk.txt"
    summarize <"$run_dir/wrk.txt"
    sleep 0.6
    after="$(transactions)"
    refreshes="$(awk '/requests in/ {print $1}' "$run_dir/wrk.txt")"
    echo "  PostgreSQL transactions per refresh: $(awk -v t=$((after - before)) -v r="$refreshes" \
        'BEGIN {printf "%.2f", t / r}') ($((after - before)) for $refreshes refreshes, logins excluded)"
    echo "  server time per refresh (request log): $(jq -R -r 'fromjson? | select(.msg == "request"
        and .route == "/v1/token/refresh") | .duration_ms' "$run_dir/serve.log" | tail -n "$refreshes" |
        awk '{sum += $1} END {printf "%.3f ms mean", sum / NR}')"
    echo "  statements by total time (pg_stat_statements):"
    psql_admin -At -F ' | ' -c "
        SELECT lpad(calls::text, 7), lpad(round(mean_exec_time::numeric * 1000)::text, 6) || ' µs mean',
               left(regexp_replace(query, '\s+', ' ', 'g'), 70)
        FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%'
        ORDER BY total_exec_time DESC LIMIT 4" | sed 's/^/    /'
}

echo "latchkey refresh benchmark: $(nproc) cores, ${duration}s per measurement, one instance"
measure "refresh, 1 connection" 1
measure "refresh, $connections connections" "$connections"

# Where the server's CPU time goes during a chained refresh load, by shared object and by
# function. perf samples only latchkey's process; PostgreSQL and Redis run beside it.
if command -v perf >/dev/null && perf record -o /dev/null -q -- true 2>/dev/null; then
    login_tokens "$connections" "$run_dir/tokens.txt"
    LK_BENCH_TOKENS="$run_dir/tokens.txt" wrk -t "$connections" -c "$connections" \
        -d "$((duration + 1))s" -s "$run_dir/refresh.lua" "$base_url/v1/token/refresh" >/dev/null &
    load=$!
    sleep 0.5
    perf record -q -F 199 --call-graph dwarf,16384 -o "$run_dir/perf.data" -p "$serve_pid" \
        -- sleep "$duration" >/dev/null 2>&1 || true
    wait "$load"
    echo "latchkey CPU samples by shared object (perf, $connections connections):"
    perf report -i "$run_dir/perf.data" --stdio --no-children --sort dso -g none 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -8 | sed 's/^/  /'
    echo "latchkey CPU samples including callees, for the steps of a refresh:"
    perf report -i "$run_dir/perf.data" --stdio --children --sort symbol -g none 2>/dev/null |
        awk '$1 ~ /%$/ && $4 ~ /^(run_worker|lk_refresh_job_run|lk_access_token_sign|lk_store_refresh_token_rotate|PQgetResult|lk_successor_seal|lk_opaque_token_generate|h2o_evloop_run|lk_handle_token_refresh|lk_worker_pool_on_replies|lk_respond_json|lk_request_log_write)$/ {
            printf "  %8s  %s\n", $1, $4 }'
else
    echo "perf is not available or not permitted; no CPU profile"
fi
