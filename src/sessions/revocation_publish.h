/*
 * Publishing session revocations through Redis, so that every instance's verify endpoint
 * learns of them within a second without asking PostgreSQL.
 *
 * Two Redis structures carry them. The sorted set LK_REVOKED_SESSIONS_KEY contains each
 * revoked session id with the time (seconds since the epoch) after which every access
 * token of that session has expired: the revocation time plus the access-token TTL plus
 * LK_REVOCATION_MARGIN_SECONDS. Instances read it in full at start-up and at every
 * resync. The channel LK_REVOCATIONS_CHANNEL carries "<session id> <expiry>" messages
 * for the instances that are subscribed at that moment.
 */
#ifndef LK_SESSIONS_REVOCATION_PUBLISH_H
#define LK_SESSIONS_REVOCATION_PUBLISH_H

#include "store/session_revoke.h"

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LK_REVOKED_SESSIONS_KEY "latchkey:revoked_sessions"
#define LK_REVOCATIONS_CHANNEL "latchkey:session_revocations"

/*
 * Added to every expiry. It covers the 5-second leeway that verification allows on "exp"
 * and clock differences between instances.
 */
#define LK_REVOCATION_MARGIN_SECONDS 60

/* Returns the time after which a revocation at `revoked_at` no longer matters. */
int64_t lk_revocation_expiry(int64_t revoked_at, int64_t access_token_ttl);

/*
 * Adds the sessions whose expiry is still ahead of `now` to the sorted set, removes
 * expired members, and, when `announce` is true, also sends one channel message per
 * session. Sessions whose expiry has passed are skipped. Blocks for one Redis round
 * trip per 256 sessions. Returns 0, or -1 after a Redis error (logged); the context may
 * then be unusable and the caller should reconnect.
 */
__attribute__((warn_unused_result)) int lk_revocations_publish(
    redisContext *redis, const lk_revoked_session_t *sessions, size_t count,
    int64_t access_token_ttl, int64_t now, bool announce);

#endif
