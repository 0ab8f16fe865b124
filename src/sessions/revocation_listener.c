/* Keeping the revocation list current from Redis; see revocation_listener.h. */
#include "sessions/revocation_listener.h"

#include "core/log.h"
#include "sessions/revocation_publish.h"
#include "store/redis_client.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECONNECT_INTERVAL_MS 1000

struct lk_revocation_listener {
    const lk_config_t *config;
    lk_revocation_list_t *list;
    pthread_t thread;
    atomic_bool stopping;
    int wake_pipe[2];           /* written to by lk_revocation_listener_stop */
    redisContext *subscriber;   /* in subscribed mode: reads channel messages only */
    redisContext *reader;       /* for ZRANGEBYSCORE */
    bool failing;               /* the last Redis operation failed; logged once */
};

static int64_t monotonic_milliseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Logs the first failure of an outage and the recovery, not every retry. */
static void note_failure(lk_revocation_listener_t *listener, const char *operation,
                         const char *reason)
{
    if (!listener->failing)
        lk_log_warn("revocation listener failed: %s: %s; retrying every second", operation,
                    reason);
    listener->failing = true;
}

static void note_success(lk_revocation_listener_t *listener)
{
    if (listener->failing)
        lk_log_info("revocation listener: Redis reachable again");
    listener->failing = false;
}

static void drop_context(redisContext **context)
{
    if (*context != NULL)
        redisFree(*context);
    *context = NULL;
}

/* Copies the member/score pairs of a ZRANGEBYSCORE ... WITHSCORES reply into the list. */
static int add_sorted_set(lk_revocation_listener_t *listener, const redisReply *reply)
{
    size_t count = reply->elements / 2;
    if (count == 0)
        return 0;

    lk_revocation_entry_t *entries = calloc(count, sizeof *entries);
    if (entries == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const redisReply *member = reply->element[2 * i];
        const redisReply *score = reply->element[2 * i + 1];
        if (member->type != REDIS_REPLY_STRING || score->type != REDIS_REPLY_STRING)
            continue;
        snprintf(entries[i].session_id, sizeof entries[i].session_id, "%s", member->str);
        entries[i].expires_at = strtoll(score->str, NULL, 10);
    }

    int skipped = lk_revocation_list_add(listener->list, entries, count, (int64_t)time(NULL));
    free(entries);
    if (skipped > 0)
        lk_log_warn("revocation listener: %d malformed member(s) in %s", skipped,
                    LK_REVOKED_SESSIONS_KEY);
    return skipped < 0 ? -1 : 0;
}

/* Reads every unexpired member of the sorted set into the list. Returns 0 or -1. */
static int resync(lk_revocation_listener_t *listener)
{
    char error[256];
    if (listener->reader == NULL || listener->reader->err != 0) {
        drop_context(&listener->reader);
        listener->reader = lk_redis_connect(listener->config->redis_url, error, sizeof error);
        if (listener->reader == NULL) {
            note_failure(listener, "resync", error);
            return -1;
        }
    }

    char now[24];
    snprintf(now, sizeof now, "(%" PRId64, (int64_t)time(NULL));
    redisReply *reply = redisCommand(listener->reader, "ZRANGEBYSCORE %s %s +inf WITHSCORES",
                                     LK_REVOKED_SESSIONS_KEY, now);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        note_failure(listener, "resync", reply != NULL && reply->type == REDIS_REPLY_ERROR
                                             ? reply->str
                                             : listener->reader->errstr);
        freeReplyObject(reply);
        drop_context(&listener->reader);
        return -1;
    }

    int status = add_sorted_set(listener, reply);
    freeReplyObject(reply);
    if (status == 0)
        note_success(listener);
    lk_log_debug("revocation resync: %zu revoked sessions known",
                 lk_revocation_list_size(listener->list));
    return status;
}

/* Connects the subscriber and subscribes. Returns 0 when subscribed. */
static int subscribe(lk_revocation_listener_t *listener)
{
    char error[256];
    listener->subscriber = lk_redis_connect(listener->config->redis_url, error, sizeof error);
    if (listener->subscriber == NULL) {
        note_failure(listener, "subscribe", error);
        return -1;
    }

    redisReply *reply = redisCommand(listener->subscriber, "SUBSCRIBE %s", LK_REVOCATIONS_CHANNEL);
    bool subscribed = reply != NULL && reply->type == REDIS_REPLY_ARRAY;
    if (!subscribed)
        note_failure(listener, "subscribe",
                     reply != NULL && reply->type == REDIS_REPLY_ERROR
                         ? reply->str
                         : listener->subscriber->errstr);
    freeReplyObject(reply);
    if (!subscribed) {
        drop_context(&listener->subscriber);
        return -1;
    }
    return 0;
}

/* Adds the session of one "message" push: ["message", channel, "<session id> <expiry>"]. */
static void handle_push(lk_revocation_listener_t *listener, const redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        strcmp(reply->element[0]->str, "message") != 0 ||
        reply->element[2]->type != REDIS_REPLY_STRING)
        return;

    lk_revocation_entry_t entry;
    memset(&entry, 0, sizeof entry);
    const char *payload = reply->element[2]->str;
    const char *space = strchr(payload, ' ');
    if (space == NULL || (size_t)(space - payload) >= sizeof entry.session_id) {
        lk_log_warn("revocation listener: malformed message on %s", LK_REVOCATIONS_CHANNEL);
        return;
    }
    memcpy(entry.session_id, payload, (size_t)(space - payload));
    entry.expires_at = strtoll(space + 1, NULL, 10);

    int skipped = lk_revocation_list_add(listener->list, &entry, 1, (int64_t)time(NULL));
    if (skipped != 0)
        lk_log_warn("revocation listener: message for session %s not added", entry.session_id);
    else
        lk_log_debug("revocation received: session %s", entry.session_id);
}

/* Reads whatever arrived on the subscriber. Returns 0, or -1 when the connection failed. */
static int read_pushes(lk_revocation_listener_t *listener)
{
    if (redisBufferRead(listener->subscriber) != REDIS_OK)
        return -1;

    for (;;) {
        redisReply *reply = NULL;
        if (redisGetReplyFromReader(listener->subscriber, (void **)&reply) != REDIS_OK)
            return -1;
        if (reply == NULL)
            return 0;
        handle_push(listener, reply);
        freeReplyObject(reply);
    }
}

/* Waits for a message, the stop pipe or `timeout_ms`, and reads what arrived. */
static void wait_and_read(lk_revocation_listener_t *listener, int timeout_ms)
{
    struct pollfd descriptors[2] = {
        {.fd = listener->wake_pipe[0], .events = POLLIN},
        {.fd = listener->subscriber != NULL ? listener->subscriber->fd : -1, .events = POLLIN},
    };

    int ready = poll(descriptors, descriptors[1].fd >= 0 ? 2 : 1, timeout_ms);
    if (ready <= 0 || atomic_load(&listener->stopping) || descriptors[1].fd < 0)
        return;
    if ((descriptors[1].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
        return;

    if (read_pushes(listener) != 0) {
        note_failure(listener, "subscription lost", listener->subscriber->errstr);
        drop_context(&listener->subscriber);
    }
}

static void *run_listener(void *argument)
{
    lk_revocation_listener_t *listener = argument;
    int64_t interval_ms = listener->config->revocation_resync_interval * 1000;
    int64_t next_resync = monotonic_milliseconds() + interval_ms;

    while (!atomic_load(&listener->stopping)) {
        /* Read the set after subscribing, so that nothing falls between the two. */
        if (listener->subscriber == NULL && subscribe(listener) == 0 && resync(listener) == 0)
            next_resync = monotonic_milliseconds() + interval_ms;

        int64_t now = monotonic_milliseconds();
        int64_t wait_ms = next_resync > now ? next_resync - now : 0;
        if ((listener->subscriber == NULL || listener->failing) && wait_ms > RECONNECT_INTERVAL_MS)
            wait_ms = RECONNECT_INTERVAL_MS;
        wait_and_read(listener, (int)wait_ms);

        if (!atomic_load(&listener->stopping) &&
            (listener->failing || monotonic_milliseconds() >= next_resync)) {
            if (resync(listener) == 0)
                next_resync = monotonic_milliseconds() + interval_ms;
        }
    }
    return NULL;
}

lk_revocation_listener_t *lk_revocation_listener_start(const lk_config_t *config,
                                                       lk_revocation_list_t *list)
{
    lk_revocation_listener_t *listener = calloc(1, sizeof *listener);
    if (listener == NULL)
        return NULL;
    listener->config = config;
    listener->list = list;

    if (resync(listener) == 0)
        lk_log_info("revocations loaded: %zu revoked sessions",
                    lk_revocation_list_size(list));

    if (pipe(listener->wake_pipe) != 0) {
        drop_context(&listener->reader);
        free(listener);
        return NULL;
    }
    if (pthread_create(&listener->thread, NULL, run_listener, listener) != 0) {
        close(listener->wake_pipe[0]);
        close(listener->wake_pipe[1]);
        drop_context(&listener->reader);
        free(listener);
        return NULL;
    }
    return listener;
}

void lk_revocation_listener_stop(lk_revocation_listener_t *listener)
{
    if (listener == NULL)
        return;

    atomic_store(&listener->stopping, true);
    ssize_t written;
    do {
        written = write(listener->wake_pipe[1], "x", 1);
    } while (written < 0 && errno == EINTR);
    pthread_join(listener->thread, NULL);

    drop_context(&listener->subscriber);
    drop_context(&listener->reader);
    close(listener->wake_pipe[0]);
    close(listener->wake_pipe[1]);
    free(listener);
}
