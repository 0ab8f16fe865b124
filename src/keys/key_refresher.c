/* Background key-ring reloads; see key_refresher.h. */
#include "keys/key_refresher.h"

#include "core/log.h"
#include "keys/keyring_loader.h"
#include "store/db.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct lk_key_refresher {
    const lk_config_t *config;
    const lk_master_key_t *master_key;
    lk_key_source_t *source;
    pthread_t thread;
    atomic_bool stopping;
    int wake_pipe[2]; /* written to by lk_key_refresher_stop */
    PGconn *connection;
};

/* Loads a fresh ring and swaps it in; keeps the old one when loading fails. */
static void reload(lk_key_refresher_t *refresher)
{
    char error[256];
    lk_keyring_t *ring = lk_keyring_load(refresher->connection, refresher->master_key, error,
                                         sizeof(error));
    if (ring == NULL) {
        lk_log_warn("key reload failed: %s; keeping the current keys", error);
        return;
    }
    lk_log_debug("key reload: %zu published keys", lk_keyring_count(ring));
    lk_key_source_replace(refresher->source, ring);
}

/* Connects and subscribes when there is no usable connection. Returns 0 when listening. */
static int ensure_listening(lk_key_refresher_t *refresher)
{
    if (refresher->connection != NULL && PQstatus(refresher->connection) == CONNECTION_OK)
        return 0;

    if (refresher->connection != NULL) {
        PQfinish(refresher->connection);
        refresher->connection = NULL;
    }

    char error[256];
    refresher->connection = lk_db_connect(refresher->config->database_url, error, sizeof(error));
    if (refresher->connection == NULL) {
        lk_log_warn("key refresher: database connection failed: %s", error);
        return -1;
    }

    PGresult *result = PQexec(refresher->connection, "LISTEN latchkey_keys");
    int ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    if (!ok) {
        lk_log_warn("key refresher: LISTEN failed: %s", PQerrorMessage(refresher->connection));
        PQfinish(refresher->connection);
        refresher->connection = NULL;
        return -1;
    }
    return 0;
}

/* Drains pending notifications; returns true when at least one arrived. */
static bool consume_notifications(PGconn *connection)
{
    bool notified = false;
    if (PQconsumeInput(connection) != 1)
        return false;

    PGnotify *notification;
    while ((notification = PQnotifies(connection)) != NULL) {
        notified = true;
        PQfreemem(notification);
    }
    return notified;
}

/*
 * Waits until a notification arrives, the stop pipe is written or `timeout_ms` passes.
 * Returns true when the ring should be reloaded now.
 */
static bool wait_for_change(lk_key_refresher_t *refresher, int timeout_ms)
{
    struct pollfd descriptors[2] = {
        {.fd = refresher->wake_pipe[0], .events = POLLIN},
        {.fd = refresher->connection != NULL ? PQsocket(refresher->connection) : -1,
         .events = POLLIN},
    };

    int ready = poll(descriptors, descriptors[1].fd >= 0 ? 2 : 1, timeout_ms);
    if (ready <= 0 || atomic_load(&refresher->stopping))
        return false;
    if (descriptors[1].fd >= 0 && (descriptors[1].revents & POLLIN) != 0)
        return consume_notifications(refresher->connection);
    return false;
}

static int64_t monotonic_milliseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void *run_refresher(void *argument)
{
    lk_key_refresher_t *refresher = argument;
    int64_t interval_ms = refresher->config->key_reload_interval * 1000;
    int64_t next_reload = monotonic_milliseconds() + interval_ms;

    while (!atomic_load(&refresher->stopping)) {
        bool listening = ensure_listening(refresher) == 0;
        int64_t now = monotonic_milliseconds();
        int64_t wait_ms = next_reload > now ? next_reload - now : 0;
        if (!listening && wait_ms > 1000)
            wait_ms = 1000; /* retry the connection every second */

        bool changed = wait_for_change(refresher, (int)wait_ms);
        if (atomic_load(&refresher->stopping))
            break;

        if (changed || monotonic_milliseconds() >= next_reload) {
            if (ensure_listening(refresher) == 0)
                reload(refresher);
            next_reload = monotonic_milliseconds() + interval_ms;
        }
    }
    return NULL;
}

lk_key_refresher_t *lk_key_refresher_start(const lk_config_t *config,
                                           const lk_master_key_t *master_key,
                                           lk_key_source_t *source)
{
    lk_key_refresher_t *refresher = calloc(1, sizeof(*refresher));
    if (refresher == NULL)
        return NULL;
    refresher->config = config;
    refresher->master_key = master_key;
    refresher->source = source;

    if (pipe(refresher->wake_pipe) != 0) {
        free(refresher);
        return NULL;
    }
    if (pthread_create(&refresher->thread, NULL, run_refresher, refresher) != 0) {
        close(refresher->wake_pipe[0]);
        close(refresher->wake_pipe[1]);
        free(refresher);
        return NULL;
    }
    return refresher;
}

void lk_key_refresher_stop(lk_key_refresher_t *refresher)
{
    if (refresher == NULL)
        return;

    atomic_store(&refresher->stopping, true);
    ssize_t written;
    do {
        written = write(refresher->wake_pipe[1], "x", 1);
    } while (written < 0 && errno == EINTR);
    pthread_join(refresher->thread, NULL);

    if (refresher->connection != NULL)
        PQfinish(refresher->connection);
    close(refresher->wake_pipe[0]);
    close(refresher->wake_pipe[1]);
    free(refresher);
}
