#!/usr/bin/env bash
# Measures what a membership check costs with and without the in-process membership cache
# and prints the figures that docs/benchmarks.md records.
#
# Usage: bash tests/bench/membership.sh [SECONDS [ROUNDS]]
#        (each measurement runs SECONDS, default 3, in each of ROUNDS rounds, default 3)
#
# It builds ./build (or LK_BUILD_DIR), starts throwaway PostgreSQL and Redis and two
# `latchkey serve` instances on 127.0.0.1 under tests/.run/bench-membership: one caches
# memberships for 60 seconds, the other not at all (LATCHKEY_MEMBERSHIP_CACHE_TTL=0), so
# every check there is a worker job with one PostgreSQL query. Ports: PostgreSQL 54349,
# Redis 56399, latchkey 18463 and 18464 (LK_BENCH_PG_PORT, LK_BENCH_REDIS_PORT and
# LK_BENCH_HTTPS_PORT override them; the second instance takes the next port). wrk drives
# GET /v1/auth over TLS (HTTP/1.1, keep-alive) with and without ?org_id=, and GET
# /v1/orgs/{org_id}/members/{user_id} as a service client. The eight measurements run in
# turn, round after round, and the script prints the median of the rounds for each, which
# damps the effect of other work on the machine. Every load is bounded by time: 8 x ROUNDS
# runs of SECONDS each.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
LK_LOG_TAG="bench-membership"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"

duration="${1:-3}"
rounds="${2:-3}"
run_dir="$repo_root/tests/.run/bench-membership"
build_dir="${LK_BUILD_DIR:-$repo_root/build}"
pg_port="${LK_BENCH_PG_PORT:-54349}"
redis_port="${LK_BENCH_REDIS_PORT:-56399}"
https_port="${LK_BENCH_HTTPS_PORT:-18463}"
cached_url="https://127.0.0.1:$https_port"
uncached_url="https://127.0.0.1:$((https_port + 1))"
email="member@bench.test"
password="bench-password-$(openssl rand -hex 8)"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target latchkey >/dev/null
latchkey="$build_dir/latchkey"

lk_services_init "$run_dir"
trap lk_stop_all EXIT

export LATCHKEY_DATABASE_URL LATCHKEY_REDIS_URL
LATCHKEY_DATABASE_URL="$(lk_pg_start "$pg_port")"
LATCHKEY_REDIS_URL="$(lk_redis_start "$redis_port")"
lk_make_cert "$run_dir/tls"
lk_make_master_key "$run_dir/master.key"
ca="$run_dir/tls/cert.pem"
export LATCHKEY_MASTER_KEY_FILE="$run_dir/master.key"
export LATCHKEY_TLS_CERT_FILE="$ca"
export LATCHKEY_TLS_KEY_FILE="$run_dir/tls/key.pem"
export LATCHKEY_ISSUER="https://auth.bench.test"
export LATCHKEY_AUDIENCE="bench"
export LATCHKEY_LOG_LEVEL="warn"

"$latchkey" migrate >/dev/null
"$latchkey" keys create --activate >/dev/null
printf '%s\n' "$password" | "$latchkey" users create "$email" >/dev/null
org_id="$("$latchkey" orgs create bench --json | jq -r .id)"
"$latchkey" orgs add-member bench "$email" --role member >/dev/null
client="$("$latchkey" clients create "bench" --scope members:read --json)"
client_basic="$(printf '%s:%s' "$(jq -r .client_id <<<"$client")" \
    "$(jq -r .client_secret <<<"$client")" | base64 -w0)"

: >"$run_dir/cached.log"
: >"$run_dir/uncached.log"
LATCHKEY_LISTEN="$cached_url" LATCHKEY_MEMBERSHIP_CACHE_TTL=60 \
    lk_serve_start cached "$latchkey" "$run_dir/cached.log" "$cached_url" "$ca"
LATCHKEY_LISTEN="$uncached_url" LATCHKEY_MEMBERSHIP_CACHE_TTL=0 \
    lk_serve_start uncached "$latchkey" "$run_dir/uncached.log" "$uncached_url" "$ca"

login="$(curl -fsS --cacert "$ca" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$cached_url/v1/login")"
token="$(jq -r .access_token <<<"$login")"
user_id="$(curl -fsS --cacert "$ca" -H "authorization: Bearer $token" "$cached_url/v1/me" | jq -r .id)"

# Prints "REQUESTS_PER_SECOND P50_MICROSECONDS P99_MICROSECONDS NON_2XX" from wrk --latency.
parse_wrk() {
    awk 'function us(text) {
             if (text ~ /us$/) return text + 0;
             if (text ~ /ms$/) return text * 1000;
             if (text ~ /s$/) return text * 1000000;
             return text + 0 }
         /Requests\/sec/ {rps = $2} /^ +50%/ {p50 = us($2)} /^ +99%/ {p99 = us($2)}
         /Non-2xx/ {errors = $NF}
         END {printf "%.0f %.0f %.0f %d\n", rps, p50, p99, errors}'
}

# Runs one measurement and appends its figures to the file of measurement NAME.
measure() {
    local name="$1" connections="$2" url="$3" authorization="$4"
    wrk -t 1 -c "$connections" -d "${duration}s" --latency -H "Authorization: $authorization" \
        "$url" | parse_wrk >>"$run_dir/figures-$name"
}

# Prints the median of one column (1 requests/s, 2 p50, 3 p99) of measurement NAME.
median() {
    sort -n -k "$2" "$run_dir/figures-$1" | awk -v column="$2" '{values[NR] = $column}
        END {print values[int((NR + 1) / 2)]}'
}

auth_plain="/v1/auth"
auth_org="/v1/auth?org_id=$org_id"
member="/v1/orgs/$org_id/members/$user_id"

names=(plain-1 cached-1 uncached-1 plain-16 cached-16 uncached-16 member-cached member-uncached)
labels=("auth, no organisation, 1 connection" "auth + membership, cached, 1 connection"
    "auth + membership, uncached, 1 connection" "auth, no organisation, 16 connections"
    "auth + membership, cached, 16 connections" "auth + membership, uncached, 16 connections"
    "member lookup as client, cached, 1 connection"
    "member lookup as client, uncached, 1 connection")
rm -f "$run_dir"/figures-*

for round in $(seq "$rounds"); do
    echo "round $round of $rounds" >&2
    measure plain-1 1 "$cached_url$auth_plain" "Bearer $token"
    measure cached-1 1 "$cached_url$auth_org" "Bearer $token"
    measure uncached-1 1 "$uncached_url$auth_org" "Bearer $token"
    measure plain-16 16 "$cached_url$auth_plain" "Bearer $token"
    measure cached-16 16 "$cached_url$auth_org" "Bearer $token"
    measure uncached-16 16 "$uncached_url$auth_org" "Bearer $token"
    measure member-cached 1 "$cached_url$member" "Basic $client_basic"
    measure member-uncached 1 "$uncached_url$member" "Basic $client_basic"
done

if awk '$4 > 0 {found = 1} END {exit !found}' "$run_dir"/figures-*; then
    echo "some requests did not get 2xx; see $run_dir/figures-* and the server logs" >&2
    exit 1
fi

echo "membership check benchmark: $(nproc) cores, median of $rounds rounds of ${duration}s," \
    "wrk and both servers on the same cores"
printf '%-50s %12s %10s %10s\n' "measurement" "requests/s" "p50 (us)" "p99 (us)"
for i in "${!names[@]}"; do
    printf '%-50s %12s %10s %10s\n' "${labels[$i]}" "$(median "${names[$i]}" 1)" \
        "$(median "${names[$i]}" 2)" "$(median "${names[$i]}" 3)"
done
