/* Publishing session revocations through Redis; see revocation_publish.h. */
#include "sessions/revocation_publish.h"

#include "core/log.h"

#include <inttypes.h>
#include <stdio.h>

/* Commands sent before reading their replies, so that a long list is not one huge buffer. */
#define PUBLISH_BATCH 256

int64_t lk_revocation_expiry(int64_t revoked_at, int64_t access_token_ttl)
{
    return revoked_at + access_token_ttl + LK_REVOCATION_MARGIN_SECONDS;
}

/* Reads `expected` replies; returns 0 when none was missing or an error reply. */
static int read_replies(redisContext *redis, size_t expected)
{
    int status = 0;
    for (size_t i = 0; i < expected; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(redis, (void **)&reply) != REDIS_OK) {
            lk_log_warn("revocation publish failed: %s", redis->errstr);
            return -1;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            lk_log_warn("revocation publish failed: Redis returned an error: %s", reply->str);
            status = -1;
        }
        freeReplyObject(reply);
    }
    return status;
}

/*
 * Queues ZADD (and PUBLISH) for one session. Returns the number of commands queued, or
 * -1 when hiredis ran out of memory.
 */
static int append_session(redisContext *redis, const lk_revoked_session_t *session,
                          int64_t expiry, bool announce)
{
    char score[24];
    snprintf(score, sizeof score, "%" PRId64, expiry);
    if (redisAppendCommand(redis, "ZADD %s %s %s", LK_REVOKED_SESSIONS_KEY, score,
                           session->session_id) != REDIS_OK)
        return -1;
    if (!announce)
        return 1;

    char message[64];
    snprintf(message, sizeof message, "%s %s", session->session_id, score);
    if (redisAppendCommand(redis, "PUBLISH %s %s", LK_REVOCATIONS_CHANNEL, message) != REDIS_OK)
        return -1;
    return 2;
}

int lk_revocations_publish(redisContext *redis, const lk_revoked_session_t *sessions,
                           size_t count, int64_t access_token_ttl, int64_t now, bool announce)
{
    size_t queued = 0;
    size_t batch = 0;

    for (size_t i = 0; i < count; i++) {
        int64_t expiry = lk_revocation_expiry(sessions[i].revoked_at, access_token_ttl);
        if (expiry <= now)
            continue;
        int appended = append_session(redis, &sessions[i], expiry, announce);
        if (appended < 0) {
            lk_log_warn("revocation publish failed: out of memory");
            return -1;
        }
        queued += (size_t)appended;

        if (++batch == PUBLISH_BATCH) {
            if (read_replies(redis, queued) != 0)
                return -1;
            queued = 0;
            batch = 0;
        }
    }

    /* Expired members would otherwise stay in the set forever. */
    char cutoff[24];
    snprintf(cutoff, sizeof cutoff, "%" PRId64, now);
    if (redisAppendCommand(redis, "ZREMRANGEBYSCORE %s -inf %s", LK_REVOKED_SESSIONS_KEY,
                           cutoff) != REDIS_OK) {
        lk_log_warn("revocation publish failed: out of memory");
        return -1;
    }
    return read_replies(redis, queued + 1);
}
