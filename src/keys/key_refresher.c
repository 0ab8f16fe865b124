/* Background key-ring reloads; see key_refresher.h. */
#include "keys/key_refresher.h"

#include "core/log.h"
#include "keys/key_listener.h"
#include "keys/keyring_loader.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Wait between connection attempts while PostgreSQL is unreachable. */
#define RECONNECT_DELAY_MS 1000

struct lk_key_refresher {
    const lk_config_t *config;
    const lk_master_key_t *master_key;
    const lk_master_key_t *previous_master_key;
    lk_key_source_t *source;
    pthread_t thread;
    atomic_bool stopping;
    int wake_pipe[2]; /* written to by lk_key_refresher_stop */
    lk_key_listener_t listener;
};

/* Loads a fresh ring and swaps it in; keeps the old one when loading fails. */
static void reload(lk_key_refresher_t *refresher)
{
    char error[512];
    lk_keyring_t *ring = lk_keyring_load(refresher->listener.connection, refresher->master_key,
                                         refresher->previous_master_key, error, sizeof error);
    if (ring == NULL) {
        lk_log_warn("key reload failed: %s; keeping the current keys", error);
        return;
    }

    const lk_signing_key_t *active = lk_keyring_active(ring);
    lk_log_debug("key reload: %zu published keys, active kid %s", lk_keyring_count(ring),
                 active != NULL ? active->kid : "none");
    lk_key_source_replace(refresher->source, ring);
}

/*
 * Reloads until no notification arrived during the last reload. A change committed while
 * the ring was being read may be missing from it. Its notification may already be in
 * libpq's buffer, and then the socket never becomes readable for it.
 */
static void reload_until_quiet(lk_key_refresher_t *refresher)
{
    do {
        reload(refresher);
    } while (!atomic_load(&refresher->stopping) && lk_key_listener_drain(&refresher->listener));
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
        /* A new connection may have missed notifications, including any sent between
         * the start-up load and the first LISTEN. */
        int connected = lk_key_listener_ensure(&refresher->listener);
        if (connected == 1) {
            reload_until_quiet(refresher);
            next_reload = monotonic_milliseconds() + interval_ms;
        }

        int64_t wait_ms = next_reload - monotonic_milliseconds();
        if (connected < 0 && wait_ms > RECONNECT_DELAY_MS)
            wait_ms = RECONNECT_DELAY_MS;
        lk_key_listen_event_t event = lk_key_listener_wait(&refresher->listener, (int)wait_ms);
        if (atomic_load(&refresher->stopping))
            break;

        if (event == LK_KEY_LISTEN_CHANGED || monotonic_milliseconds() >= next_reload) {
            if (lk_key_listener_ensure(&refresher->listener) >= 0)
                reload_until_quiet(refresher);
            next_reload = monotonic_milliseconds() + interval_ms;
        }
    }
    return NULL;
}

lk_key_refresher_t *lk_key_refresher_start(const lk_config_t *config,
                                           const lk_master_key_t *master_key,
                                           const lk_master_key_t *previous_master_key,
                                           lk_key_source_t *source)
{
    lk_key_refresher_t *refresher = calloc(1, sizeof(*refresher));
    if (refresher == NULL)
        return NULL;
    refresher->config = config;
    refresher->master_key = master_key;
    refresher->previous_master_key = previous_master_key;
    refresher->source = source;

    if (pipe(refresher->wake_pipe) != 0) {
        free(refresher);
        return NULL;
    }
    lk_key_listener_init(&refresher->listener, config->database_url, "key refresher",
                         refresher->wake_pipe[0]);
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

    lk_key_listener_dispose(&refresher->listener);
    close(refresher->wake_pipe[0]);
    close(refresher->wake_pipe[1]);
    free(refresher);
}
