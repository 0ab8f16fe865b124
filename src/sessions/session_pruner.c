/* Background pruning of ended sessions; see session_pruner.h. */
#include "sessions/session_pruner.h"

#include "core/log.h"
#include "sessions/revocation_publish.h"
#include "store/redis_client.h"
#include "store/session_prune.h"
#include "store/session_revoke.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Rows per statement, and statements per step and run, so that one run stays short. */
#define PRUNE_BATCH 500
#define PRUNE_MAX_BATCHES 20
#define REPUBLISH_LIMIT 10000

/*
 * Sealed successors are kept this much longer than this server's grace period, so that
 * a server with a longer one (during a configuration change) still finds them. Retries
 * are bounded by the grace period of the server that handles them either way.
 */
#define SEALED_SUCCESSOR_MARGIN_SECONDS 60

struct lk_session_pruner {
    const lk_config_t *config;
    pthread_t thread;
    atomic_bool stopping;
    int wake_pipe[2]; /* written to by lk_session_pruner_stop */
    PGconn *database;
    redisContext *redis;
};

/*
 * Ended sessions are kept while their access tokens may still be valid, so that
 * logout-all and the republication below still find them.
 */
static int64_t retention_seconds(const lk_config_t *config)
{
    return config->access_token_ttl + LK_REVOCATION_MARGIN_SECONDS;
}

/* Runs one batch statement until it affects fewer rows than a batch, or the cap. */
static int64_t run_batches(lk_session_pruner_t *pruner,
                           lk_store_result_t (*step)(PGconn *, int64_t, int64_t, int64_t *),
                           int64_t age_seconds)
{
    int64_t total = 0;
    for (int i = 0; i < PRUNE_MAX_BATCHES && !atomic_load(&pruner->stopping); i++) {
        int64_t affected = 0;
        if (step(pruner->database, age_seconds, PRUNE_BATCH, &affected) != LK_STORE_OK)
            break;
        total += affected;
        if (affected < PRUNE_BATCH)
            break;
    }
    return total;
}

/*
 * Publishes recent revocations again. With `announce`, channel messages go out too, so
 * that listeners learn at once of revocations that a Redis restart without persistence
 * erased. Later runs only restore the sorted set, which the listeners resync from.
 */
static void republish(lk_session_pruner_t *pruner, bool announce)
{
    lk_revoked_sessions_t sessions;
    int64_t window = retention_seconds(pruner->config);
    if (lk_store_sessions_recently_revoked(pruner->database, window, REPUBLISH_LIMIT,
                                           &sessions) != LK_STORE_OK)
        return;

    if (sessions.count > 0) {
        char error[256] = "";
        if (pruner->redis == NULL || pruner->redis->err != 0) {
            if (pruner->redis != NULL)
                redisFree(pruner->redis);
            pruner->redis = lk_redis_connect(pruner->config->redis_url, error, sizeof error);
        }
        if (pruner->redis == NULL)
            lk_log_warn("session prune: republishing revocations failed: %s", error);
        else if (lk_revocations_publish(pruner->redis, sessions.items, sessions.count,
                                        pruner->config->access_token_ttl, (int64_t)time(NULL),
                                        announce) != 0)
            lk_log_warn("session prune: republishing %zu revocations failed", sessions.count);
    }
    lk_revoked_sessions_dispose(&sessions);
}

/* One run: take the lock or leave it to the server that holds it, then every step. */
static void prune(lk_session_pruner_t *pruner, bool announce)
{
    if (lk_db_ensure(&pruner->database, pruner->config->database_url) != 0)
        return;

    bool locked = false;
    if (lk_store_prune_lock_try(pruner->database, &locked) != LK_STORE_OK || !locked)
        return;

    int64_t deleted = run_batches(pruner, lk_store_sessions_prune,
                                  retention_seconds(pruner->config));
    int64_t cleared = run_batches(pruner, lk_store_successors_clear,
                                  pruner->config->refresh_grace_period +
                                      SEALED_SUCCESSOR_MARGIN_SECONDS);
    republish(pruner, announce);
    lk_store_prune_unlock(pruner->database);

    if (deleted > 0 || cleared > 0)
        lk_log_info("session prune: deleted %" PRId64 " ended sessions, cleared %" PRId64
                    " sealed successors",
                    deleted, cleared);
}

static void *run_pruner(void *argument)
{
    lk_session_pruner_t *pruner = argument;
    int timeout_ms = (int)(pruner->config->session_prune_interval * 1000);

    /* The first run comes at start-up: a Redis that restarted empty together with the
     * servers gets the recent revocations back before the first interval has passed. */
    prune(pruner, true);

    while (!atomic_load(&pruner->stopping)) {
        struct pollfd wake = {.fd = pruner->wake_pipe[0], .events = POLLIN};
        int ready = poll(&wake, 1, timeout_ms);
        if (ready != 0 || atomic_load(&pruner->stopping))
            continue; /* woken to stop, or interrupted by a signal */
        prune(pruner, false);
    }
    return NULL;
}

lk_session_pruner_t *lk_session_pruner_start(const lk_config_t *config)
{
    lk_session_pruner_t *pruner = calloc(1, sizeof *pruner);
    if (pruner == NULL)
        return NULL;
    pruner->config = config;

    if (pipe(pruner->wake_pipe) != 0) {
        free(pruner);
        return NULL;
    }
    if (pthread_create(&pruner->thread, NULL, run_pruner, pruner) != 0) {
        close(pruner->wake_pipe[0]);
        close(pruner->wake_pipe[1]);
        free(pruner);
        return NULL;
    }
    return pruner;
}

void lk_session_pruner_stop(lk_session_pruner_t *pruner)
{
    if (pruner == NULL)
        return;

    atomic_store(&pruner->stopping, true);
    ssize_t written;
    do {
        written = write(pruner->wake_pipe[1], "x", 1);
    } while (written < 0 && errno == EINTR);
    pthread_join(pruner->thread, NULL);

    if (pruner->database != NULL)
        PQfinish(pruner->database);
    if (pruner->redis != NULL)
        redisFree(pruner->redis);
    close(pruner->wake_pipe[0]);
    close(pruner->wake_pipe[1]);
    free(pruner);
}
