/* `latchkey serve`: start-up, signal handling and staged shutdown; see serve.h. */
#include "http/serve.h"

#include "access/cache_listener.h"
#include "core/log.h"
#include "http/app.h"
#include "http/event_loop.h"
#include "http/listeners.h"
#include "config/listen_address.h"
#include "http/tls.h"
#include "keys/key_refresher.h"
#include "keys/key_rotator.h"
#include "keys/keyring_loader.h"
#include "passwords/password_hash.h"
#include "sessions/revocation_listener.h"
#include "sessions/session_pruner.h"
#include "store/db.h"

#include <openssl/opensslv.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct lk_server {
    const lk_config_t *config;
    lk_app_t app;
    h2o_globalconf_t globalconf;
    bool globalconf_ready;
    SSL_CTX *tls;
    int listen_fds[LK_MAX_LISTENERS];
    bool listen_tls[LK_MAX_LISTENERS];
    size_t listen_count;
    atomic_bool stopping;
    lk_key_refresher_t *refresher;
    lk_cache_listener_t *cache_listener;
    lk_revocation_listener_t *revocation_listener;
    lk_session_pruner_t *pruner;
    lk_key_rotator_t *rotator;
    lk_event_loop_t *loops;
    size_t loop_count;
} lk_server_t;

/* Loads the first key ring synchronously, so that the server starts with its keys. */
static lk_keyring_t *load_initial_keyring(const lk_server_t *server)
{
    char error[256];
    PGconn *connection = lk_db_connect(server->config->database_url, error, sizeof(error));
    if (connection == NULL) {
        lk_log_error("start-up failed: cannot connect to PostgreSQL: %s", error);
        return NULL;
    }

    lk_keyring_t *ring = lk_keyring_load(connection, server->app.master_key,
                                         server->app.previous_master_key, error, sizeof(error));
    PQfinish(connection);
    if (ring == NULL) {
        lk_log_error("start-up failed: cannot load the signing keys: %s", error);
        return NULL;
    }
    if (lk_keyring_active(ring) == NULL && server->config->key_rotation_period > 0)
        lk_log_info("no active signing key: the key rotator creates and activates one now "
                    "because LATCHKEY_KEY_ROTATION_PERIOD is set");
    else if (lk_keyring_active(ring) == NULL)
        lk_log_warn("no active signing key: logins fail with 503 until an operator runs "
                    "`latchkey keys create --activate`");
    return ring;
}

static bool has_tls_listener(const lk_config_t *config)
{
    for (size_t i = 0; i < config->listener_count; i++) {
        if (config->listeners[i].tls)
            return true;
    }
    return false;
}

static int open_listeners(lk_server_t *server)
{
    const lk_config_t *config = server->config;
    for (size_t i = 0; i < config->listener_count; i++) {
        char error[256];
        int fd = lk_listener_open(&config->listeners[i], error, sizeof(error));
        if (fd == -1) {
            lk_log_error("start-up failed: %s", error);
            return -1;
        }
        server->listen_fds[i] = fd;
        server->listen_tls[i] = config->listeners[i].tls;
        server->listen_count++;

        if (!config->listeners[i].tls) {
            char text[128];
            lk_listen_address_to_url(&config->listeners[i], text, sizeof(text));
            lk_log_warn("plain HTTP listener on %s: use it only behind a TLS-terminating "
                        "proxy",
                        text);
        }
    }
    return 0;
}

static void configure_h2o(lk_server_t *server)
{
    h2o_globalconf_t *globalconf = &server->globalconf;
    h2o_config_init(globalconf);
    server->globalconf_ready = true;

    /* No "server" header: it would only tell attackers the library and version. */
    globalconf->server_name = h2o_iovec_init(NULL, 0);
    /* Bodies up to 1 MiB reach the validator, which responds with 413 beyond the configured
     * limit with the usual headers; h2o itself rejects anything larger. */
    globalconf->max_request_entity_size = 1024 * 1024;

    h2o_hostconf_t *host = h2o_config_register_host(globalconf,
                                                    h2o_iovec_init(H2O_STRLIT("default")),
                                                    65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = lk_event_loop_on_request;
}

static int start_loops(lk_server_t *server)
{
    server->loop_count = (size_t)server->config->threads;
    server->loops = calloc(server->loop_count, sizeof(lk_event_loop_t));
    if (server->loops == NULL)
        return -1;

    lk_event_loop_setup_t setup = {
        .app = &server->app,
        .globalconf = &server->globalconf,
        .tls = server->tls,
        .listen_fds = server->listen_fds,
        .listen_tls = server->listen_tls,
        .listen_count = server->listen_count,
        .stopping = &server->stopping,
    };
    for (size_t i = 0; i < server->loop_count; i++) {
        if (lk_event_loop_start(&server->loops[i], i, &setup) != 0) {
            lk_log_error("start-up failed: event loop %zu could not start", i);
            server->loop_count = i;
            return -1;
        }
    }
    return 0;
}

static void log_ready(const lk_server_t *server)
{
    char addresses[LK_MAX_LISTENERS * 72] = "";
    for (size_t i = 0; i < server->config->listener_count; i++) {
        char text[72];
        lk_listen_address_to_url(&server->config->listeners[i], text, sizeof(text));
        if (i > 0)
            strncat(addresses, ", ", sizeof(addresses) - strlen(addresses) - 1);
        strncat(addresses, text, sizeof(addresses) - strlen(addresses) - 1);
    }

    lk_keyring_t *ring = lk_key_source_acquire(server->app.keys);
    const lk_signing_key_t *active = lk_keyring_active(ring);
    lk_log_info("ready: latchkey %s listening on %s (threads %d, workers %d, published keys "
                "%zu, active kid %s; %s, libsodium %s, libpq %d)",
                LATCHKEY_VERSION, addresses, server->config->threads, server->config->workers,
                lk_keyring_count(ring), active != NULL ? active->kid : "none",
                OPENSSL_VERSION_TEXT, sodium_version_string(), PQlibVersion());
    lk_keyring_release(ring);
}

static void on_second_signal(int signal_number)
{
    (void)signal_number;
    static const char message[] = "{\"level\":\"warn\",\"msg\":\"shutdown: second signal, "
                                  "exiting at once\"}\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof(message) - 1);
    (void)ignored;
    _exit(1);
}

/* Blocks until SIGINT or SIGTERM, then lets a second one end the process at once. */
static void wait_for_stop_signal(const sigset_t *signals)
{
    int received = 0;
    while (sigwait(signals, &received) != 0)
        ;
    lk_log_info("shutdown: %s received, draining requests (a second signal exits at once)",
                received == SIGTERM ? "SIGTERM" : "SIGINT");

    struct sigaction action = {.sa_handler = on_second_signal};
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    pthread_sigmask(SIG_UNBLOCK, signals, NULL);
}

static void stop_loops(lk_server_t *server)
{
    /* A stopping instance makes no more key changes; the other instances take over. */
    lk_key_rotator_stop(server->rotator);
    server->rotator = NULL;

    atomic_store(&server->stopping, true);
    for (size_t i = 0; i < server->loop_count; i++)
        lk_event_loop_wake(&server->loops[i]);
    for (size_t i = 0; i < server->loop_count; i++)
        lk_event_loop_join(&server->loops[i]);

    long remaining = atomic_load(&server->app.requests_in_flight);
    if (remaining > 0)
        lk_log_warn("shutdown: %ld requests still in flight after the drain timeout",
                    remaining);
}

/* Frees everything in the reverse order of start-up; safe on a partly started server. */
static void teardown(lk_server_t *server)
{
    lk_session_pruner_stop(server->pruner);
    lk_revocation_listener_stop(server->revocation_listener);
    lk_key_rotator_stop(server->rotator);
    lk_key_refresher_stop(server->refresher);
    lk_cache_listener_stop(server->cache_listener);
    lk_worker_pool_destroy(server->app.workers);
    for (size_t i = 0; i < server->loop_count; i++)
        lk_event_loop_dispose(&server->loops[i]);
    free(server->loops);
    for (size_t i = 0; i < server->listen_count; i++)
        close(server->listen_fds[i]);
    if (server->globalconf_ready)
        h2o_config_dispose(&server->globalconf);
    SSL_CTX_free(server->tls);
    lk_key_source_destroy(server->app.keys);
    lk_revocation_list_destroy(server->app.revocations);
    lk_master_key_destroy(server->app.previous_master_key);
    lk_limits_destroy(server->app.limits);
    lk_trusted_proxies_destroy(server->app.trusted_proxies);
    lk_common_passwords_destroy(server->app.common_passwords);
    lk_master_key_destroy(server->app.master_key);
    lk_access_cache_destroy(server->app.access_cache);
}

/* Creates the membership and client caches and the thread that invalidates them. */
static int start_access_cache(lk_server_t *server)
{
    const lk_config_t *config = server->config;
    server->app.access_cache = lk_access_cache_create(config->membership_cache_ttl,
                                                      config->client_cache_ttl);
    if (server->app.access_cache == NULL) {
        lk_log_error("start-up failed: cannot create the access caches (out of memory)");
        return -1;
    }
    server->cache_listener = lk_cache_listener_start(config, server->app.access_cache);
    if (server->cache_listener == NULL) {
        lk_log_error("start-up failed: cannot start the cache listener");
        return -1;
    }
    return 0;
}

/* Loads the revoked sessions and starts the threads that keep them and prune sessions. */
static int start_session_threads(lk_server_t *server)
{
    server->app.revocations = lk_revocation_list_create();
    if (server->app.revocations == NULL) {
        lk_log_error("start-up failed: out of memory for the revocation list");
        return -1;
    }
    server->revocation_listener =
        lk_revocation_listener_start(server->config, server->app.revocations);
    if (server->revocation_listener == NULL) {
        lk_log_error("start-up failed: cannot start the revocation listener");
        return -1;
    }
    server->pruner = lk_session_pruner_start(server->config);
    if (server->pruner == NULL) {
        lk_log_error("start-up failed: cannot start the session pruner");
        return -1;
    }
    return 0;
}

/*
 * Loads the master key and, during a master-key rotation, the previous one, and logs
 * their public identifiers so that operators can check which keys each instance holds.
 */
static int load_master_keys(lk_server_t *server)
{
    char error[512];
    const lk_config_t *config = server->config;
    server->app.master_key = lk_master_key_load(config->master_key_file, error, sizeof(error));
    if (server->app.master_key == NULL) {
        lk_log_error("start-up failed: LATCHKEY_MASTER_KEY_FILE: %s", error);
        return -1;
    }

    char current_id[LK_MASTER_KEY_ID_LENGTH + 1];
    char previous_id[LK_MASTER_KEY_ID_LENGTH + 1] = "none";
    lk_master_key_id(server->app.master_key, current_id);
    if (config->previous_master_key_file != NULL) {
        server->app.previous_master_key =
            lk_master_key_load(config->previous_master_key_file, error, sizeof(error));
        if (server->app.previous_master_key == NULL) {
            lk_log_error("start-up failed: LATCHKEY_PREVIOUS_MASTER_KEY_FILE: %s", error);
            return -1;
        }
        lk_master_key_id(server->app.previous_master_key, previous_id);
    }
    lk_log_info("master keys loaded: current id %s, previous id %s", current_id, previous_id);
    return 0;
}

/* Builds the rate limiter and the trusted-proxy list. Returns 0, or -1 after logging. */
static int start_limits(lk_server_t *server)
{
    char error[512];

    server->app.trusted_proxies = lk_trusted_proxies_create(server->config->trusted_proxies,
                                                            error, sizeof(error));
    if (server->app.trusted_proxies == NULL) {
        lk_log_error("start-up failed: LATCHKEY_TRUSTED_PROXIES: %s", error);
        return -1;
    }
    server->app.limits = lk_limits_create(server->config, server->app.master_key, error,
                                          sizeof(error));
    if (server->app.limits == NULL) {
        lk_log_error("start-up failed: %s", error);
        return -1;
    }
    return 0;
}

/* Loads the list of common passwords. Returns 0, or -1 after logging. */
static int load_common_passwords(lk_server_t *server)
{
    char error[512];
    server->app.common_passwords =
        lk_common_passwords_load(server->config->common_passwords_file, error, sizeof(error));
    if (server->app.common_passwords == NULL) {
        lk_log_error("start-up failed: LATCHKEY_COMMON_PASSWORDS_FILE: %s; install Debian's "
                     "john-data package or point the variable at a list of common passwords",
                     error);
        return -1;
    }
    if (lk_common_passwords_count(server->app.common_passwords) == 0)
        lk_log_warn("common password list %s is empty: no password is rejected as common",
                    server->config->common_passwords_file);
    return 0;
}

/* Runs every start-up step in order; returns 0 when the server is serving. */
static int start(lk_server_t *server)
{
    char error[512];

    if (load_master_keys(server) != 0)
        return -1;

    if (start_limits(server) != 0 || load_common_passwords(server) != 0)
        return -1;
    if (server->config->reset_url_base == NULL)
        lk_log_warn("password reset disabled: set LATCHKEY_RESET_URL_BASE to the reset page of "
                    "your app to enable it");

    lk_keyring_t *ring = load_initial_keyring(server);
    if (ring == NULL)
        return -1;
    server->app.keys = lk_key_source_create(ring);
    if (server->app.keys == NULL)
        return -1;

    if (has_tls_listener(server->config)) {
        server->tls = lk_tls_context_create(server->config->tls_cert_file,
                                            server->config->tls_key_file, error, sizeof(error));
        if (server->tls == NULL) {
            lk_log_error("start-up failed: %s", error);
            return -1;
        }
    }

    if (open_listeners(server) != 0)
        return -1;

    if (start_access_cache(server) != 0)
        return -1;

    server->app.workers = lk_worker_pool_create(server->config, (size_t)server->config->workers);
    if (server->app.workers == NULL) {
        lk_log_error("start-up failed: cannot start the worker threads");
        return -1;
    }

    server->refresher = lk_key_refresher_start(server->config, server->app.master_key,
                                               server->app.previous_master_key,
                                               server->app.keys);
    if (server->refresher == NULL) {
        lk_log_error("start-up failed: cannot start the key refresher");
        return -1;
    }
    server->rotator = lk_key_rotator_start(server->config, server->app.master_key);
    if (server->rotator == NULL) {
        lk_log_error("start-up failed: cannot start the key rotator");
        return -1;
    }

    if (start_session_threads(server) != 0)
        return -1;

    /* The dummy hash for unknown accounts is made now, so that the first failed login
     * costs the same as every other. */
    lk_password_params_t password_params = lk_password_params_default();
    if (lk_password_dummy_hash(&password_params) == NULL) {
        lk_log_error("start-up failed: cannot compute the dummy password hash (out of memory?)");
        return -1;
    }
    configure_h2o(server);
    return start_loops(server);
}

int lk_serve(const lk_config_t *config)
{
    if (sodium_init() < 0) {
        lk_log_error("start-up failed: libsodium could not be initialised");
        return 1;
    }

    /* Every thread started from here on inherits the blocked set, so that only the
     * main thread's sigwait sees SIGINT and SIGTERM. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    lk_server_t *server = calloc(1, sizeof(*server));
    if (server == NULL)
        return 1;
    server->config = config;
    server->app.config = config;

    int status = 0;
    if (start(server) == 0) {
        log_ready(server);
        wait_for_stop_signal(&signals);
    } else {
        status = 1;
    }

    stop_loops(server);
    teardown(server);
    free(server);
    if (status == 0)
        lk_log_info("shutdown: complete");
    return status;
}
