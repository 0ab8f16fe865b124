#!/usr/bin/env bash
# Measures how fast a signing-key change reaches running instances, and how long the
# rotation commands take, and prints the figures that docs/benchmarks.md records.
#
# Usage: bash tests/bench/key_rotation.sh [ROUNDS]   (default 20)
#
# It builds ./build (or LK_BUILD_DIR), starts throwaway PostgreSQL, Redis and two
# `latchkey serve` instances on 127.0.0.1 under tests/.run/bench-keys (ports 54349, 56399,
# 18463 and 18464; LK_BENCH_PG_PORT, LK_BENCH_REDIS_PORT and LK_BENCH_HTTPS_PORT override
# them), runs ROUNDS rotations, and stops everything when done. Both instances reload
# their keys only every 30 s without notifications, so the propagation time is that of
# NOTIFY plus a key-ring reload.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
LK_LOG_TAG="bench-keys"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"

rounds="${1:-20}"
run_dir="$repo_root/tests/.run/bench-keys"
build_dir="${LK_BUILD_DIR:-$repo_root/build}"
https_port="${LK_BENCH_HTTPS_PORT:-18463}"

cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target latchkey >/dev/null
latchkey="$build_dir/latchkey"

lk_services_init "$run_dir"
trap lk_stop_all EXIT

export LATCHKEY_DATABASE_URL LATCHKEY_REDIS_URL
LATCHKEY_DATABASE_URL="$(lk_pg_start "${LK_BENCH_PG_PORT:-54349}")"
LATCHKEY_REDIS_URL="$(lk_redis_start "${LK_BENCH_REDIS_PORT:-56399}")"
lk_make_cert "$run_dir/tls"
lk_make_master_key "$run_dir/master.key"
export LATCHKEY_MASTER_KEY_FILE="$run_dir/master.key"
export LATCHKEY_TLS_CERT_FILE="$run_dir/tls/cert.pem"
export LATCHKEY_TLS_KEY_FILE="$run_dir/tls/key.pem"
export LATCHKEY_ISSUER="https://auth.bench.test"
export LATCHKEY_AUDIENCE="bench"
export LATCHKEY_THREADS=1

"$latchkey" migrate >/dev/null
"$latchkey" keys create --activate >/dev/null
first="https://127.0.0.1:$https_port"
second="https://127.0.0.1:$((https_port + 1))"
for url in "$first" "$second"; do
    : >"$run_dir/serve-${url##*:}.log"
    LATCHKEY_LISTEN="$url" lk_serve_start "${url##*:}" "$latchkey" "$run_dir/serve-${url##*:}.log" \
        "$url" "$run_dir/tls/cert.pem"
done

echo "== key rotation: $rounds rounds, $(nproc) CPUs, $(uname -m)"
NODE_EXTRA_CA_CERTS="$run_dir/tls/cert.pem" LK_BENCH_LATCHKEY="$latchkey" LK_BENCH_ROUNDS="$rounds" \
    node tests/bench/key_propagation.mjs "$first" "$second"
