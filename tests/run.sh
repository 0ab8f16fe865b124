#!/usr/bin/env bash
# Runs latchkey's whole test suite: builds the project, runs the unit tests, starts a
# throwaway PostgreSQL, Redis and `latchkey serve`, runs the integration tests and the
# jose interop test against them, and checks the server's log.
#
# Usage: bash tests/run.sh                     (normal build in ./build)
#        LATCHKEY_SANITIZE=1 bash tests/run.sh (ASan and UBSan build in ./build-san)
#
# Run it as root (as CI does) or as a developer who can use sudo for the package install.
# It listens on 127.0.0.1 only: PostgreSQL on 54329, Redis on 56379 and latchkey on 18443
# (LK_TEST_PG_PORT, LK_TEST_REDIS_PORT and LK_TEST_HTTPS_PORT override them). Three more
# latchkey instances share the same PostgreSQL and Redis on the next ports: 18444 with the
# same settings, 18445 with session lifetimes of seconds (idle 3 s, absolute 8 s, a 1 s
# retry grace period, pruning and revocation resync every second) and 18446 with the
# retry grace period turned off. nginx for the forward-auth test listens on the https
# port + 5 (the proxy) and + 6 (the application behind it). It keeps its servers' data and logs in
# tests/.run/<mode> (or LK_RUN_DIR). LK_BUILD_DIR overrides the
# build directory. The last line of output is "N passed, N failed"; the exit status is
# non-zero if anything failed.
#
# latchkey instances, each on 127.0.0.1:
#   LK_TEST_HTTPS_PORT        the main instance
#   LK_TEST_HTTPS_PORT + 1    the second instance, same database and keys
#   LK_TEST_HTTPS_PORT + 9    the key-rotation instance of tests/interop/rotation.mjs: its
#                             own database, fast rotation (LK_TEST_ROTATION_HTTPS_PORT)
#   LK_TEST_HTTPS_PORT + 10   instances that test_master_key_rotation starts and stops on
#                             their own database (LK_TEST_MASTER_KEY_HTTPS_PORT)
#   LK_TEST_HTTPS_PORT + 11   the strict pair of the rate-limit tests: default rate limits,
#   LK_TEST_HTTPS_PORT + 12   127.0.0.1 trusted as a proxy, same database and Redis
#   LK_TEST_HTTPS_PORT + 13   the outage instance: the default limits in a Redis of its own
#                             (on a Unix socket) that the outage tests stop and start
#   LK_TEST_HTTPS_PORT + 14   the fallback instance: the same Redis, with
#                             LATCHKEY_RATE_LIMIT_FALLBACK=local and no password reset
#   LK_TEST_EXTRA_PORTS (four space-separated ports) overrides the last four, and
#   LK_TEST_EXTRA_HOST (127.0.0.1 by default, or 127.0.0.2) the address they listen on, so
#   that a small block of ports can hold them beside the others on 127.0.0.2.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root" || exit 1
LK_LOG_TAG="run.sh"
# shellcheck source=tests/lib/services.sh
source "$repo_root/tests/lib/services.sh"
# shellcheck source=tests/lib/nginx.sh
source "$repo_root/tests/lib/nginx.sh"

if [ "${LATCHKEY_SANITIZE:-0}" = "1" ]; then
    mode="sanitize"
    build_dir="${LK_BUILD_DIR:-$repo_root/build-san}"
    sanitize_option="ON"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export LSAN_OPTIONS="suppressions=$repo_root/tests/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
    mode="normal"
    build_dir="${LK_BUILD_DIR:-$repo_root/build}"
    sanitize_option="OFF"
fi
run_dir="${LK_RUN_DIR:-$repo_root/tests/.run/$mode}"
pg_port="${LK_TEST_PG_PORT:-54329}"
redis_port="${LK_TEST_REDIS_PORT:-56379}"
https_port="${LK_TEST_HTTPS_PORT:-18443}"
rotation_port="${LK_TEST_ROTATION_HTTPS_PORT:-$((https_port + 9))}"
master_key_port="${LK_TEST_MASTER_KEY_HTTPS_PORT:-$((https_port + 10))}"
extra_host="${LK_TEST_EXTRA_HOST:-127.0.0.1}"
read -r -a extra_ports <<<"${LK_TEST_EXTRA_PORTS:-$((https_port + 11)) $((https_port + 12)) $((https_port + 13)) $((https_port + 14))}"
outage_redis_dir="$run_dir/outage-redis"

passed=0
failed=0
failures=()

pass() {
    passed=$((passed + $1))
}

fail() {
    failed=$((failed + 1))
    failures+=("$1")
    lk_log "FAILED: $1"
}

print_summary() {
    local failure
    echo
    echo "== summary ($mode build)"
    for failure in "${failures[@]}"; do
        echo "failed: $failure"
    done
    echo "$passed passed, $failed failed"
}

# Stops the servers and prints the summary; called on every exit.
finish() {
    lk_nginx_stop
    lk_stop_all
    bash tests/lib/outage_redis.sh stop "$outage_redis_dir"
    print_summary
}

# Records a failure that makes the remaining steps pointless, then exits.
abort_run() {
    fail "$1"
    exit 1
}

trap finish EXIT
trap 'exit 130' INT TERM

# Runs ctest for LABEL and adds its test counts to the totals. ctest's own summary line
# ("100% tests passed, 0 tests failed out of 7") is the source of the counts.
run_ctest() {
    local label="$1" timeout="$2" output="$run_dir/ctest-$1.log" status summary total failed_count
    ctest --test-dir "$build_dir" -L "$label" --output-on-failure --timeout "$timeout" 2>&1 | tee "$output"
    status=${PIPESTATUS[0]}

    summary="$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$output" | tail -n 1)"
    if [ -z "$summary" ]; then
        if grep -q "No tests were found" "$output"; then
            lk_log "no $label tests were found"
            [ "$status" -eq 0 ] && return 0
        fi
        fail "ctest -L $label exited $status without a summary"
        return
    fi
    total="$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")"
    failed_count="$(sed -E 's/.*, ([0-9]+) tests? failed.*/\1/' <<<"$summary")"
    pass $((total - failed_count))
    if [ "$failed_count" -gt 0 ]; then
        failed=$((failed + failed_count - 1))
        fail "$failed_count $label test program(s): $(grep -E '^\s+[0-9]+ - ' "$output" | sed -E 's/^\s+[0-9]+ - //; s/ \(.*//' | tr '\n' ' ')"
    elif [ "$status" -ne 0 ]; then
        fail "ctest -L $label exited $status"
    fi
}

# Runs the jose interop test and adds its "N passed, N failed" counts to the totals.
run_interop() {
    local output="$run_dir/interop.log" status summary
    if ! (cd tests/interop && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) >"$run_dir/npm-ci.log" 2>&1; then
        cat "$run_dir/npm-ci.log" >&2
        fail "npm ci in tests/interop"
        return
    fi
    NODE_EXTRA_CA_CERTS="$LK_TEST_CA_FILE" node tests/interop/verify-token.mjs 2>&1 | tee "$output"
    status=${PIPESTATUS[0]}

    summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$output" | tail -n 1)"
    if [ -z "$summary" ]; then
        fail "interop test exited $status without a summary"
        return
    fi
    pass "${summary%% passed*}"
    if [ "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$summary")" -gt 0 ] || [ "$status" -ne 0 ]; then
        fail "interop test: $summary"
    fi
}

# Runs the key-rotation interop test against a dedicated instance with fast rotation
# settings on its own database and Redis database, so that the other instances keep the
# default timing, and checks that instance's log.
run_rotation_interop() {
    local url="https://127.0.0.1:$rotation_port" log="$run_dir/server-rotation.log" status summary client

    # The instance creates and activates its first key itself (automatic rotation is on).
    LATCHKEY_DATABASE_URL="$rotation_database_url" "$latchkey" migrate >/dev/null 2>&1 ||
        { fail "latchkey migrate (rotation database)"; return; }
    printf '%s\n' "$LK_TEST_USER_PASSWORD" |
        LATCHKEY_DATABASE_URL="$rotation_database_url" "$latchkey" users create "$LK_TEST_USER_EMAIL" >/dev/null ||
        { fail "latchkey users create (rotation database)"; return; }
    # The verify endpoint needs a service client of this database. Its secret joins the
    # issued tokens that the log check looks for.
    client="$(LATCHKEY_DATABASE_URL="$rotation_database_url" "$latchkey" clients create "rotation test" \
        --scope tokens:verify --json)" || { fail "latchkey clients create (rotation database)"; return; }
    jq -r .client_secret <<<"$client" >>"$run_dir/issued-tokens.txt"

    : >"$log"
    # Timing: JWKS max-age 1 s + reload interval 1 s <= pre-publication delay 3 s; keys
    # rotate every 8 s; a retired key stays for TTL 5 s + 1 s + leeway 5 s.
    LATCHKEY_DATABASE_URL="$rotation_database_url" LATCHKEY_REDIS_URL="${redis_url%/0}/1" \
        LATCHKEY_LISTEN="$url" LATCHKEY_ISSUER="$url" LATCHKEY_JWKS_MAX_AGE=1 \
        LATCHKEY_KEY_RELOAD_INTERVAL=1 LATCHKEY_KEY_PREPUBLISH_DELAY=3 LATCHKEY_KEY_ROTATION_PERIOD=8 \
        LATCHKEY_ACCESS_TOKEN_TTL=5 LATCHKEY_KEY_RETIRE_LEEWAY=5 \
        lk_serve_start rotation "$latchkey" "$log" "$url" "$LK_TEST_CA_FILE" ||
        { fail "start the key-rotation instance"; return; }

    LK_TEST_ROTATION_BASE_URL="$url" LK_TEST_ROTATION_DATABASE_URL="$rotation_database_url" \
        LK_TEST_ROTATION_CLIENT_ID="$(jq -r .client_id <<<"$client")" \
        LK_TEST_ROTATION_CLIENT_SECRET="$(jq -r .client_secret <<<"$client")" \
        NODE_EXTRA_CA_CERTS="$LK_TEST_CA_FILE" node tests/interop/rotation.mjs 2>&1 | tee "$run_dir/rotation.log"
    status=${PIPESTATUS[0]}
    summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$run_dir/rotation.log" | tail -n 1)"
    if [ -z "$summary" ]; then
        fail "rotation interop test exited $status without a summary"
    else
        pass "${summary%% passed*}"
        if [ "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$summary")" -gt 0 ] || [ "$status" -ne 0 ]; then
            fail "rotation interop test: $summary"
        fi
    fi

    status=0
    lk_serve_stop rotation || status=$?
    if [ "$status" -eq 0 ]; then pass 1; else fail "latchkey serve (rotation) exited $status; see $log"; fi
    check_server_log "$log"
}

# Passes if no line of the server log contains any of the strings in PATTERN_FILE.
check_log_excludes() {
    local log="$1" description="$2" pattern_file="$3" matches
    if [ ! -s "$pattern_file" ]; then
        fail "log check '$description' has nothing to look for ($pattern_file is empty)"
        return
    fi
    matches="$(grep -c -F -f "$pattern_file" "$log")"
    if [ "$matches" -eq 0 ]; then
        pass 1
    else
        fail "$log contains $description on $matches line(s)"
    fi
}

# Checks the log of the stopped server: no secret in it, one complete JSON line per
# request, a ready line, and no sanitizer report. A request that matched no route is
# logged with its path in place of the route.
check_server_log() {
    local log="$1" secrets="$run_dir/secret-strings.txt" count

    # Every password of the rate-limit and password tests contains "lk-secret-".
    printf '%s\n' "$LK_TEST_USER_PASSWORD" "$LK_TEST_DISABLED_PASSWORD" "$TEST_CLI_PASSWORD" "$LK_TEST_CLIENT_SECRET" \
        "not the password 4" "x-password-1" "another long password 913" "wrong password 1" \
        "lk-secret-" >"$secrets"
    check_log_excludes "$log" "a test password" "$secrets"

    # Whole tokens, and the signature segment of each access token on its own.
    { cat "$run_dir/issued-tokens.txt" 2>/dev/null
      grep -F . "$run_dir/issued-tokens.txt" 2>/dev/null | awk -F. 'NF == 3 { print $3 }'; } >"$run_dir/token-strings.txt"
    check_log_excludes "$log" "an issued token" "$run_dir/token-strings.txt"

    tr -d '\n' <"$LATCHKEY_MASTER_KEY_FILE" >"$run_dir/master-key-strings.txt"
    echo >>"$run_dir/master-key-strings.txt"
    check_log_excludes "$log" "the master key" "$run_dir/master-key-strings.txt"

    count="$(jq -R -c 'fromjson? | select(.msg | type == "string" and startswith("ready:"))' "$log" | wc -l)"
    if [ "$count" -eq 1 ]; then pass 1; else fail "$log has $count ready: lines, expected 1"; fi

    count="$(grep -v -c '^[[:space:]]*{' "$log")"
    if [ "$count" -eq 0 ]; then pass 1; else fail "$log has $count line(s) that are not JSON objects"; fi

    count="$(jq -R -c 'fromjson? | select(.msg == "request")' "$log" | wc -l)"
    if [ "$count" -gt 0 ]; then pass 1; else fail "$log has no request lines"; fi
    count="$(jq -R -c 'fromjson? | select(.msg == "request")
        | select((has("method") and (has("route") or has("path")) and has("status") and has("duration_ms")
                  and has("request_id") and has("client_ip") and has("user_id")) | not)' "$log" | wc -l)"
    if [ "$count" -eq 0 ]; then pass 1; else fail "$log: $count request log line(s) lack method, route or path, status, duration_ms, request_id, client_ip or user_id"; fi

    count="$(grep -c -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log")"
    if [ "$count" -eq 0 ]; then pass 1; else fail "$log has $count sanitizer report line(s)"; fi
}

echo "== install dependencies"
bash deploy/install-deps.sh || abort_run "deploy/install-deps.sh"

echo "== build ($mode) in $build_dir"
cmake -S "$repo_root" -B "$build_dir" -DLATCHKEY_SANITIZE="$sanitize_option" >/dev/null || abort_run "cmake configure"
cmake --build "$build_dir" -j "$(nproc)" || abort_run "cmake build"
latchkey="$build_dir/latchkey"

lk_services_init "$run_dir"
bash tests/lib/outage_redis.sh stop "$outage_redis_dir"
rm -f "$run_dir"/*.log "$run_dir/issued-tokens.txt"

echo "== unit tests"
run_ctest unit 600

echo "== start PostgreSQL, Redis and latchkey"
database_url="$(lk_pg_start "$pg_port")" || abort_run "start PostgreSQL on port $pg_port"
redis_url="$(lk_redis_start "$redis_port")" || abort_run "start Redis on port $redis_port"
lk_make_cert "$run_dir/tls" || abort_run "create the test certificate"
lk_make_master_key "$run_dir/master.key" || abort_run "create the master key"

rotation_database_url="$(lk_pg_create_database "$pg_port" latchkey_rotation)" ||
    abort_run "create the key-rotation database"
master_key_database_url="$(lk_pg_create_database "$pg_port" latchkey_master_key)" ||
    abort_run "create the master-key database"

export LATCHKEY_DATABASE_URL="$database_url"
export LATCHKEY_REDIS_URL="$redis_url"
export LATCHKEY_MASTER_KEY_FILE="$run_dir/master.key"
export LATCHKEY_ISSUER="https://127.0.0.1:$https_port"
export LATCHKEY_AUDIENCE="latchkey-tests"
export LATCHKEY_LISTEN="https://127.0.0.1:$https_port"
export LATCHKEY_TLS_CERT_FILE="$run_dir/tls/cert.pem"
export LATCHKEY_TLS_KEY_FILE="$run_dir/tls/key.pem"
export LATCHKEY_THREADS=2
export LATCHKEY_LOG_LEVEL=debug
# Long enough that a change seen within a few seconds can only have come through NOTIFY,
# which is what the membership and revocation tests check.
export LATCHKEY_MEMBERSHIP_CACHE_TTL=60
export LATCHKEY_CLIENT_CACHE_TTL=60
# Every test reaches the two main instances from one client address (127.0.0.1), so their
# rate limits are raised far above what the suite sends. The strict instances started below
# keep the defaults, and the rate-limit tests use those.
raised_limits=(LOGIN_IP LOGIN_FAILURES LOGIN_ACCOUNT RESET_IP RESET_ACCOUNT RESET_CONFIRM_IP
    REFRESH_IP API VERIFY PUBLIC)
for limit in "${raised_limits[@]}"; do
    export "LATCHKEY_RATE_LIMIT_$limit=100000/1m"
done
export LATCHKEY_RESET_URL_BASE="https://app.example.test/reset-password"

random_password() {
    openssl rand -base64 24 | tr -d '/+=\n'
}
export LK_TEST_BASE_URL="https://127.0.0.1:$https_port"
# A second instance on the next port shares PostgreSQL, Redis and the keys, as instances
# behind a load balancer do; tests of cross-instance behaviour use both.
export LK_TEST_SECOND_BASE_URL="https://127.0.0.1:$((https_port + 1))"
export LK_TEST_SECOND_SERVER_LOG="$run_dir/server-second.log"
# Two more instances for the session lifetime tests; see the header for their settings.
export LK_TEST_SHORT_BASE_URL="https://127.0.0.1:$((https_port + 2))"
export LK_TEST_SHORT_SERVER_LOG="$run_dir/server-short.log"
export LK_TEST_SHORT_IDLE_TIMEOUT=3
export LK_TEST_SHORT_SESSION_TTL=8
export LK_TEST_SHORT_GRACE_PERIOD=1
export LK_TEST_NO_GRACE_BASE_URL="https://127.0.0.1:$((https_port + 3))"
export LK_TEST_NO_GRACE_SERVER_LOG="$run_dir/server-no-grace.log"
export LK_TEST_CA_FILE="$LATCHKEY_TLS_CERT_FILE"
export LK_TEST_USER_EMAIL="user@example.test"
export LK_TEST_USER_PASSWORD="user-$(random_password)"
export LK_TEST_DISABLED_EMAIL="disabled@example.test"
export LK_TEST_DISABLED_PASSWORD="disabled-$(random_password)"
export LK_TEST_ISSUER="$LATCHKEY_ISSUER"
export LK_TEST_AUDIENCE="$LATCHKEY_AUDIENCE"
export LK_TEST_DATABASE_URL="$database_url"
export LK_TEST_REDIS_URL="$redis_url"
export LK_TEST_SERVER_LOG="$run_dir/server.log"
export LK_TEST_RUN_DIR="$run_dir"
export LK_TEST_LATCHKEY="$latchkey"
export LK_TEST_MASTER_KEY_DATABASE_URL="$master_key_database_url"
export LK_TEST_MASTER_KEY_BASE_URL="https://127.0.0.1:$master_key_port"
TEST_CLI_PASSWORD="unused-$(random_password)"

"$latchkey" migrate || abort_run "latchkey migrate"
"$latchkey" keys create --activate >/dev/null || abort_run "latchkey keys create --activate"
printf '%s\n' "$LK_TEST_USER_PASSWORD" | "$latchkey" users create "$LK_TEST_USER_EMAIL" >/dev/null ||
    abort_run "latchkey users create $LK_TEST_USER_EMAIL"
printf '%s\n' "$LK_TEST_DISABLED_PASSWORD" | "$latchkey" users create "$LK_TEST_DISABLED_EMAIL" >/dev/null ||
    abort_run "latchkey users create $LK_TEST_DISABLED_EMAIL"
"$latchkey" users disable "$LK_TEST_DISABLED_EMAIL" || abort_run "latchkey users disable $LK_TEST_DISABLED_EMAIL"
# The service client that the tests use to call the verify and membership endpoints.
test_client="$("$latchkey" clients create "test suite" --scope tokens:verify,members:read --json)" ||
    abort_run "latchkey clients create"
LK_TEST_CLIENT_ID="$(jq -r .client_id <<<"$test_client")"
LK_TEST_CLIENT_SECRET="$(jq -r .client_secret <<<"$test_client")"
export LK_TEST_CLIENT_ID LK_TEST_CLIENT_SECRET
unset test_client

: >"$LK_TEST_SERVER_LOG"
lk_serve_start main "$latchkey" "$LK_TEST_SERVER_LOG" "$LK_TEST_BASE_URL" "$LK_TEST_CA_FILE" ||
    abort_run "start latchkey serve"
: >"$LK_TEST_SECOND_SERVER_LOG"
LATCHKEY_LISTEN="$LK_TEST_SECOND_BASE_URL" lk_serve_start second "$latchkey" \
    "$LK_TEST_SECOND_SERVER_LOG" "$LK_TEST_SECOND_BASE_URL" "$LK_TEST_CA_FILE" ||
    abort_run "start the second latchkey serve"
: >"$LK_TEST_SHORT_SERVER_LOG"
LATCHKEY_LISTEN="$LK_TEST_SHORT_BASE_URL" LATCHKEY_REFRESH_IDLE_TIMEOUT="$LK_TEST_SHORT_IDLE_TIMEOUT" \
    LATCHKEY_REFRESH_TOKEN_TTL="$LK_TEST_SHORT_SESSION_TTL" \
    LATCHKEY_REFRESH_GRACE_PERIOD="$LK_TEST_SHORT_GRACE_PERIOD" LATCHKEY_SESSION_PRUNE_INTERVAL=1 \
    LATCHKEY_REVOCATION_RESYNC_INTERVAL=1 lk_serve_start short "$latchkey" \
    "$LK_TEST_SHORT_SERVER_LOG" "$LK_TEST_SHORT_BASE_URL" "$LK_TEST_CA_FILE" ||
    abort_run "start the latchkey serve with short session lifetimes"
: >"$LK_TEST_NO_GRACE_SERVER_LOG"
LATCHKEY_LISTEN="$LK_TEST_NO_GRACE_BASE_URL" LATCHKEY_REFRESH_GRACE_PERIOD=0 \
    lk_serve_start no-grace "$latchkey" "$LK_TEST_NO_GRACE_SERVER_LOG" \
    "$LK_TEST_NO_GRACE_BASE_URL" "$LK_TEST_CA_FILE" ||
    abort_run "start the latchkey serve without retry grace period"

nginx_dir="$run_dir/nginx"
export LK_TEST_NGINX_URL="http://127.0.0.1:$((https_port + 5))"
lk_nginx_write_config "$nginx_dir" "$((https_port + 5))" "$((https_port + 6))" "$https_port" \
    "$LK_TEST_CA_FILE" "$repo_root" || abort_run "write the nginx configuration"
lk_nginx_start "$nginx_dir" "$((https_port + 5))" || abort_run "start nginx"

# Starts an extra instance NAME on PORT with the settings above, but with the default rate
# limits, 127.0.0.1 as trusted proxy, and the VARIABLE=VALUE settings given after PORT. The
# instance is started from this shell (not a subshell) so that its exit status can be
# collected at the end. The changed variables are restored afterwards.
start_extra_instance() {
    local name="$1" port="$2" log="$run_dir/server-$1.log" setting saved status=0
    shift 2
    local names=(LATCHKEY_LISTEN LATCHKEY_TRUSTED_PROXIES "${raised_limits[@]/#/LATCHKEY_RATE_LIMIT_}")
    for setting in "$@"; do names+=("${setting%%=*}"); done
    saved="$(declare -p "${names[@]}" 2>/dev/null)"

    unset "${names[@]}"
    export LATCHKEY_LISTEN="https://$extra_host:$port" LATCHKEY_TRUSTED_PROXIES="127.0.0.1/32"
    for setting in "$@"; do export "${setting?}"; done
    : >"$log"
    lk_serve_start "$name" "$latchkey" "$log" "https://$extra_host:$port" "$LK_TEST_CA_FILE" || status=$?

    unset "${names[@]}"
    eval "${saved//declare -x /declare -gx }"
    [ "$status" -eq 0 ] || abort_run "start the $name latchkey serve on port $port"
}

extra_instances=(strict-a strict-b outage fallback)
outage_redis_url="$(bash tests/lib/outage_redis.sh start "$outage_redis_dir")" ||
    abort_run "start the Redis of the outage tests in $outage_redis_dir"
[ "${#extra_ports[@]}" -eq 4 ] || abort_run "LK_TEST_EXTRA_PORTS must name four ports"
start_extra_instance strict-a "${extra_ports[0]}"
start_extra_instance strict-b "${extra_ports[1]}"
start_extra_instance outage "${extra_ports[2]}" "LATCHKEY_REDIS_URL=$outage_redis_url" \
    "LATCHKEY_RESET_TOKEN_TTL=2"
start_extra_instance fallback "${extra_ports[3]}" "LATCHKEY_REDIS_URL=$outage_redis_url" \
    "LATCHKEY_RATE_LIMIT_FALLBACK=local" "LATCHKEY_RATE_LIMIT_VERIFY=20/1m" \
    "LATCHKEY_RATE_LIMIT_PUBLIC=20/1m" "LATCHKEY_RESET_URL_BASE="
export LK_TEST_STRICT_BASE_URL="https://$extra_host:${extra_ports[0]}"
export LK_TEST_STRICT_SECOND_BASE_URL="https://$extra_host:${extra_ports[1]}"
export LK_TEST_STRICT_SERVER_LOG="$run_dir/server-strict-a.log"
export LK_TEST_OUTAGE_BASE_URL="https://$extra_host:${extra_ports[2]}"
export LK_TEST_OUTAGE_SERVER_LOG="$run_dir/server-outage.log"
export LK_TEST_FALLBACK_BASE_URL="https://$extra_host:${extra_ports[3]}"
export LK_TEST_FALLBACK_SERVER_LOG="$run_dir/server-fallback.log"
export LK_TEST_OUTAGE_REDIS_DIR="$outage_redis_dir"
export LK_TEST_OUTAGE_REDIS_SCRIPT="$repo_root/tests/lib/outage_redis.sh"

echo "== integration tests"
run_ctest integration 180

echo "== interop test (jose)"
run_interop

echo "== key rotation test (jose, dedicated instance)"
run_rotation_interop

echo "== server shutdown and logs"
for instance in main second short no-grace "${extra_instances[@]}"; do
    case "$instance" in
        main) log="$LK_TEST_SERVER_LOG" ;;
        second) log="$LK_TEST_SECOND_SERVER_LOG" ;;
        short) log="$LK_TEST_SHORT_SERVER_LOG" ;;
        no-grace) log="$LK_TEST_NO_GRACE_SERVER_LOG" ;;
        *) log="$run_dir/server-$instance.log" ;;
    esac
    serve_status=0
    lk_serve_stop "$instance" || serve_status=$?
    if [ "$serve_status" -eq 0 ]; then
        pass 1
    else
        fail "latchkey serve ($instance) exited $serve_status after SIGTERM (expected 0); see $log"
        tail -n 30 "$log" >&2
    fi
    check_server_log "$log"
done

# The instances that test_master_key_rotation started: no token and no sanitizer report.
for log in "$run_dir"/server-master-key-*.log; do
    [ -f "$log" ] || continue
    check_log_excludes "$log" "an issued token" "$run_dir/token-strings.txt"
    count="$(grep -c -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log")"
    if [ "$count" -eq 0 ]; then pass 1; else fail "$log has $count sanitizer report line(s)"; fi
done

[ "$failed" -eq 0 ]
