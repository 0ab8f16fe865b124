#!/usr/bin/env bash
# Measures the rate limiter and prints the figures that docs/benchmarks.md records:
#  1. the cost of one limit decision, in Redis (one EVALSHA round trip over loopback) and in
#     memory, from tests/bench/limiter_cost.c;
#  2. what Redis spends per script call (INFO commandstats);
#  3. the 429 rate under bursts: 200 parallel wrong-password logins for one account from one
#     address, and for 200 accounts from one address, against two instances sharing Redis;
#  4. a flood of 2000 logins against one account from one address, where every request after
#     the first 5 is rejected by the limiter before any Argon2id work;
#  5. the response time of password-reset requests for an existing and an unknown email,
#     40 of each, alternating, from 40 addresses (so that the reset limits do not interfere).
#
# Usage: bash tests/bench/limits.sh [SECONDS]   (each timed measurement runs SECONDS, default 5)
#
# It builds ./build (or LK_BUILD_DIR), starts throwaway PostgreSQL, Redis and two
# `latchkey serve` instances with the default limits on 127.0.0.1 under tests/.run/limits
# (ports LK_BENCH_PG_PORT, LK_BENCH_REDIS_PORT, LK_BENCH_HTTPS_PORT and the next one,
# default 54349, 56399, 18463 and 18464), and stops everything when done. Every load is
# bounded by count and time.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
LK_LOG_TAG="limits-bench"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"

duration="${1:-5}"
run_dir="$repo_root/tests/.run/limits"
build_dir="${LK_BUILD_DIR:-$repo_root/build}"
pg_port="${LK_BENCH_PG_PORT:-54349}"
redis_port="${LK_BENCH_REDIS_PORT:-56399}"
https_port="${LK_BENCH_HTTPS_PORT:-18463}"
first_url="https://127.0.0.1:$https_port"
second_url="https://127.0.0.1:$((https_port + 1))"
email="bench-limits@example.com"
password="bench-limits-$(openssl rand -hex 8)"

bash deploy/install-deps.sh
cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target latchkey latchkey_core >/dev/null
latchkey="$build_dir/latchkey"

lk_services_init "$run_dir"
trap lk_stop_all EXIT

# shellcheck disable=SC2046
cc -O2 -std=c17 -D_GNU_SOURCE -I src tests/bench/limiter_cost.c "$build_dir/liblatchkey_core.a" \
    $(pkg-config --libs libh2o-evloop libssl libcrypto libjwt jansson libpq libsodium hiredis) \
    -lpthread -lm -o "$run_dir/limiter_cost"

export LATCHKEY_DATABASE_URL LATCHKEY_REDIS_URL
LATCHKEY_DATABASE_URL="$(lk_pg_start "$pg_port")"
LATCHKEY_REDIS_URL="$(lk_redis_start "$redis_port")"
lk_make_cert "$run_dir/tls"
lk_make_master_key "$run_dir/master.key"
export LATCHKEY_MASTER_KEY_FILE="$run_dir/master.key"
export LATCHKEY_TLS_CERT_FILE="$run_dir/tls/cert.pem"
export LATCHKEY_TLS_KEY_FILE="$run_dir/tls/key.pem"
export LATCHKEY_ISSUER="https://auth.bench.test"
export LATCHKEY_AUDIENCE="bench"
export LATCHKEY_TRUSTED_PROXIES="127.0.0.1/32"
export LATCHKEY_RESET_URL_BASE="https://app.bench.test/reset"

"$latchkey" migrate >/dev/null
"$latchkey" keys create --activate >/dev/null
printf '%s\n' "$password" | "$latchkey" users create "$email" >/dev/null
for name in first second; do
    url="$first_url"
    [ "$name" = second ] && url="$second_url"
    : >"$run_dir/serve-$name.log"
    LATCHKEY_LISTEN="$url" lk_serve_start "$name" "$latchkey" "$run_dir/serve-$name.log" "$url" \
        "$run_dir/tls/cert.pem"
done

echo "latchkey rate-limit benchmark: $(nproc) cores, ${duration}s per timed measurement"
echo
echo "== cost of one limit decision"
"$run_dir/limiter_cost" "$LATCHKEY_REDIS_URL" 200000 "$duration"
redis-cli -p "$redis_port" INFO commandstats | grep -E '^cmdstat_evalsha' |
    sed -E 's/.*calls=([0-9]+),usec=[0-9]+,usec_per_call=([0-9.]+).*/Redis time per EVALSHA: \2 us over \1 calls/'

# Writes a curl config that POSTs COUNT wrong-password logins from CLIENT, alternating
# between the two instances, for ACCOUNT or, when ACCOUNT is "each", for a new email each
# time. Every transfer repeats its options because "next" resets them.
write_burst() {
    local file="$1" count="$2" client="$3" account="$4" i target
    : >"$file"
    for ((i = 0; i < count; i++)); do
        target="$first_url"
        ((i % 2)) && target="$second_url"
        [ "$account" = each ] && login="burst-$i@example.com" || login="$account"
        cat >>"$file" <<CURL
next
url = "$target/v1/login"
cacert = "$run_dir/tls/cert.pem"
http2
header = "content-type: application/json"
header = "x-forwarded-for: $client"
data = "{\"email\":\"$login\",\"password\":\"wrong password\"}"
output = /dev/null
write-out = "%{http_code}\\n"
CURL
    done
}

# Runs a burst and prints the count of each status and the share of 429.
run_burst() {
    local label="$1" file="$2" start end
    start=$(date +%s.%N)
    curl --no-progress-meter --parallel --parallel-immediate --parallel-max 200 --max-time 120 \
        -K "$file" >"$file.out" 2>"$file.err" ||
        lk_log "curl reported failed transfers in $file.err"
    end=$(date +%s.%N)
    awk -v label="$label" -v seconds="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" '
        { count[$1]++; total++ }
        END { printf "%-52s %d requests in %.2f s:", label, total, seconds
              for (code in count) printf " %s x%d", code, count[code]
              printf ", 429 rate %.1f%%\n", 100 * count["429"] / total }' "$file.out"
}

echo
echo "== 429 rate under bursts (200 parallel requests over both instances, HTTP/2)"
write_burst "$run_dir/burst-account.curl" 200 198.51.100.10 "$email"
run_burst "one account, one address (limit 5 failures)" "$run_dir/burst-account.curl"
write_burst "$run_dir/burst-address.curl" 200 198.51.100.11 each
run_burst "200 accounts, one address (limit 20 per minute)" "$run_dir/burst-address.curl"

echo
echo "== sustained flood: 2000 wrong-password logins for one account from one address"
echo "   (HTTP/2, 50 in flight; the limiter rejects all but 5 before any Argon2id work)"
checks_before="$(grep -h '"route":"/v1/login"' "$run_dir"/serve-*.log | grep -c '"status":401')"
write_burst "$run_dir/flood.curl" 2000 198.51.100.12 "$email"
start=$(date +%s.%N)
curl --no-progress-meter --parallel --parallel-max 50 --max-time 120 -K "$run_dir/flood.curl" \
    >"$run_dir/flood.out" 2>"$run_dir/flood.err" || lk_log "curl reported failed transfers in $run_dir/flood.err"
end=$(date +%s.%N)
checks_after="$(grep -h '"route":"/v1/login"' "$run_dir"/serve-*.log | grep -c '"status":401')"
awk -v seconds="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    '{ count[$1]++; total++ }
     END { printf "%d requests in %.2f s (%.0f req/s):", total, seconds, total / seconds
           for (code in count) printf " %s x%d", code, count[code]
           printf "\n" }' "$run_dir/flood.out"
echo "password checks during the flood (401 responses): $((checks_after - checks_before))"

echo
echo "== password-reset response time, existing vs unknown email (40 each, alternating)"
for ((i = 0; i < 40; i++)); do
    for kind in existing unknown; do
        [ "$kind" = existing ] && target="$email" || target="nobody-$i@example.com"
        printf '%s ' "$kind"
        curl -s -o /dev/null -w '%{time_total}\n' --cacert "$run_dir/tls/cert.pem" \
            -H 'content-type: application/json' -H "x-forwarded-for: 198.51.103.$((i + 1))" \
            -d "{\"email\":\"$target\"}" "$first_url/v1/password-reset"
    done
done >"$run_dir/reset-times.txt"
for kind in existing unknown; do
    grep "^$kind " "$run_dir/reset-times.txt" | awk '{ print $2 * 1000 }' | sort -n |
        awk -v kind="$kind" '{ value[NR] = $1 } END {
            printf "%-9s median %.2f ms, p90 %.2f ms, min %.2f ms, max %.2f ms\n", kind,
                (value[int((NR + 1) / 2)] + value[int(NR / 2) + 1]) / 2, value[int(NR * 0.9)],
                value[1], value[NR] }'
done
