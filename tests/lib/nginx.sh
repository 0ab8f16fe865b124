# shellcheck shell=bash
# Runs nginx for the forward-auth test: docs/nginx-forward-auth.conf, with its placeholders
# filled in, in front of a tiny application that nginx itself serves from a second server
# block (it responds 200 and echoes the X-Auth-* headers it received).
#
# nginx runs in the foreground ("daemon off") as a background job of the calling shell,
# with its own prefix, configuration, pid file, logs and temporary files under a directory
# of the run directory, listening on 127.0.0.1 only. lk_nginx_stop stops exactly that PID.

LK_NGINX_PID=""

# Writes DIR/nginx.conf: the main context, the test application on APP_PORT, and the
# documented configuration with the proxy on FRONT_PORT in front of latchkey at
# LATCHKEY_PORT (certificate checked against CA_FILE for the name "localhost").
lk_nginx_write_config() {
    local dir="$1" front_port="$2" app_port="$3" latchkey_port="$4" ca_file="$5" repo_root="$6"
    mkdir -p "$dir/logs" "$dir/temp"
    sed -e "s|@LISTEN@|127.0.0.1:$front_port|" \
        -e "s|@APP_ADDRESS@|127.0.0.1:$app_port|" \
        -e "s|@LATCHKEY_ADDRESS@|127.0.0.1:$latchkey_port|" \
        -e "s|@LATCHKEY_TLS_NAME@|localhost|" \
        -e "s|@LATCHKEY_CA_FILE@|$ca_file|" \
        "$repo_root/docs/nginx-forward-auth.conf" >"$dir/forward-auth.conf"
    if grep -q '@[A-Z_]*@' "$dir/forward-auth.conf"; then
        lk_log "docs/nginx-forward-auth.conf has a placeholder that tests/lib/nginx.sh does not fill"
        return 1
    fi

    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 64; }
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;

    # The application: it shows what the proxy passed on.
    server {
        listen 127.0.0.1:$app_port;
        location / {
            default_type text/plain;
            return 200 "user=\$http_x_auth_user_id org=\$http_x_auth_org_id role=\$http_x_auth_role\n";
        }
    }

    include $dir/forward-auth.conf;
}
CONF
}

# Starts nginx with DIR/nginx.conf and waits up to 10 seconds until the proxy accepts
# connections on FRONT_PORT. Returns 1, after printing nginx's error log, when it does not.
lk_nginx_start() {
    local dir="$1" front_port="$2" waited=0 stale
    stale="$(cat "$dir/nginx-master.pid" 2>/dev/null)"
    if [ -n "$stale" ] && lk_pid_is "$stale" nginx; then
        lk_log "stopping nginx (pid $stale) left by an earlier run"
        lk_stop_pid "$stale"
    fi
    if lk_port_in_use "$front_port"; then
        lk_log "port $front_port is already in use; stop whatever listens there or choose another port"
        return 1
    fi
    nginx -p "$dir" -c "$dir/nginx.conf" -g "daemon off;" >>"$dir/logs/stdout.log" 2>&1 &
    LK_NGINX_PID=$!
    echo "$LK_NGINX_PID" >"$dir/nginx-master.pid"
    until lk_port_in_use "$front_port"; do
        if ! kill -0 "$LK_NGINX_PID" 2>/dev/null || [ "$waited" -ge 100 ]; then
            lk_log "nginx did not start; end of its error log:"
            tail -n 20 "$dir/logs/error.log" "$dir/logs/stdout.log" >&2 2>/dev/null
            LK_NGINX_PID=""
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# Stops the nginx that lk_nginx_start started, if it runs (SIGQUIT: graceful shutdown).
lk_nginx_stop() {
    [ -n "$LK_NGINX_PID" ] || return 0
    kill -QUIT "$LK_NGINX_PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$LK_NGINX_PID" 2>/dev/null && [ "$waited" -lt 100 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -0 "$LK_NGINX_PID" 2>/dev/null && kill -KILL "$LK_NGINX_PID" 2>/dev/null
    wait "$LK_NGINX_PID" 2>/dev/null
    LK_NGINX_PID=""
}
