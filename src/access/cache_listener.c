/* LISTEN/NOTIFY invalidation of the access caches; see cache_listener.h. */
#include "access/cache_listener.h"

#include "core/log.h"
#include "store/db.h"
#include "store/memberships.h"
#include "store/service_clients.h"
#include "validate/request_schema.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECONNECT_INTERVAL_MS 1000

struct lk_cache_listener {
    const lk_config_t *config;
    lk_access_cache_t *cache;
    pthread_t thread;
    atomic_bool stopping;
    int wake_pipe[2]; /* written to by lk_cache_listener_stop */
    PGconn *connection;
};

/* Removes one membership entry, or clears them all when the payload is not two UUIDs. */
static void apply_membership(lk_access_cache_t *cache, const char *payload)
{
    const char *colon = strchr(payload, ':');
    if (colon == NULL || !lk_format_is_uuid(payload, (size_t)(colon - payload)) ||
        !lk_format_is_uuid(colon + 1, strlen(colon + 1))) {
        lk_ttl_cache_clear(cache->memberships);
        return;
    }

    char org_id[37];
    memcpy(org_id, payload, 36);
    org_id[36] = '\0';
    char key[LK_MEMBERSHIP_KEY_SIZE];
    lk_membership_cache_key(org_id, colon + 1, key);
    lk_ttl_cache_remove(cache->memberships, key);
}

void lk_cache_listener_apply(lk_access_cache_t *cache, const char *channel, const char *payload)
{
    if (strcmp(channel, LK_MEMBERSHIPS_CHANNEL) == 0) {
        apply_membership(cache, payload);
    } else if (strcmp(channel, LK_CLIENTS_CHANNEL) == 0) {
        if (payload[0] == '\0')
            lk_ttl_cache_clear(cache->clients);
        else
            lk_ttl_cache_remove(cache->clients, payload);
    }
}

/* Closes the connection and forgets everything cached, since notifications may be lost. */
static void drop_connection(lk_cache_listener_t *listener)
{
    PQfinish(listener->connection);
    listener->connection = NULL;
    lk_ttl_cache_clear(listener->cache->memberships);
    lk_ttl_cache_clear(listener->cache->clients);
}

static bool run_listen(PGconn *connection, const char *statement)
{
    PGresult *result = PQexec(connection, statement);
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    return ok;
}

/* Connects and subscribes when there is no usable connection. Returns 0 when listening. */
static int ensure_listening(lk_cache_listener_t *listener)
{
    if (listener->connection != NULL && PQstatus(listener->connection) == CONNECTION_OK)
        return 0;
    if (listener->connection != NULL) {
        lk_log_warn("cache listener: connection lost; caches cleared, reconnecting");
        drop_connection(listener);
    }

    char error[256];
    listener->connection = lk_db_connect(listener->config->database_url, error, sizeof error);
    if (listener->connection == NULL) {
        lk_log_warn("cache listener: database connection failed: %s", error);
        return -1;
    }
    if (!run_listen(listener->connection, "LISTEN " LK_MEMBERSHIPS_CHANNEL) ||
        !run_listen(listener->connection, "LISTEN " LK_CLIENTS_CHANNEL)) {
        lk_log_warn("cache listener: LISTEN failed: %s", PQerrorMessage(listener->connection));
        drop_connection(listener);
        return -1;
    }
    /* Whatever changed before LISTEN took effect was not notified to this thread. */
    lk_ttl_cache_clear(listener->cache->memberships);
    lk_ttl_cache_clear(listener->cache->clients);
    lk_log_debug("cache listener: listening for membership and client changes");
    return 0;
}

/* Applies every pending notification. Returns -1 when the connection failed. */
static int consume_notifications(lk_cache_listener_t *listener)
{
    if (PQconsumeInput(listener->connection) != 1)
        return -1;

    PGnotify *notification;
    while ((notification = PQnotifies(listener->connection)) != NULL) {
        lk_cache_listener_apply(listener->cache, notification->relname, notification->extra);
        PQfreemem(notification);
    }
    return 0;
}

/* Waits for a notification or the stop pipe, for at most `timeout_ms`. */
static void wait_and_apply(lk_cache_listener_t *listener, int timeout_ms)
{
    struct pollfd descriptors[2] = {
        {.fd = listener->wake_pipe[0], .events = POLLIN},
        {.fd = listener->connection != NULL ? PQsocket(listener->connection) : -1,
         .events = POLLIN},
    };

    int ready = poll(descriptors, descriptors[1].fd >= 0 ? 2 : 1, timeout_ms);
    if (ready <= 0 || atomic_load(&listener->stopping) || descriptors[1].fd < 0)
        return;
    if ((descriptors[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
        consume_notifications(listener) != 0) {
        lk_log_warn("cache listener: reading notifications failed; caches cleared, "
                    "reconnecting");
        drop_connection(listener);
    }
}

static void *run_listener(void *argument)
{
    lk_cache_listener_t *listener = argument;

    while (!atomic_load(&listener->stopping)) {
        bool listening = ensure_listening(listener) == 0;
        /* While connected, a notification ends the wait early and the timeout only
           rechecks the connection. */
        wait_and_apply(listener, listening ? 5 * RECONNECT_INTERVAL_MS : RECONNECT_INTERVAL_MS);
    }
    return NULL;
}

lk_cache_listener_t *lk_cache_listener_start(const lk_config_t *config, lk_access_cache_t *cache)
{
    lk_cache_listener_t *listener = calloc(1, sizeof *listener);
    if (listener == NULL)
        return NULL;
    listener->config = config;
    listener->cache = cache;

    if (pipe(listener->wake_pipe) != 0) {
        free(listener);
        return NULL;
    }
    if (pthread_create(&listener->thread, NULL, run_listener, listener) != 0) {
        close(listener->wake_pipe[0]);
        close(listener->wake_pipe[1]);
        free(listener);
        return NULL;
    }
    return listener;
}

void lk_cache_listener_stop(lk_cache_listener_t *listener)
{
    if (listener == NULL)
        return;

    atomic_store(&listener->stopping, true);
    ssize_t written;
    do {
        written = write(listener->wake_pipe[1], "x", 1);
    } while (written < 0 && errno == EINTR);
    pthread_join(listener->thread, NULL);

    PQfinish(listener->connection);
    close(listener->wake_pipe[0]);
    close(listener->wake_pipe[1]);
    free(listener);
}
