/* Ending sessions in PostgreSQL and publishing the revocations; see session_end.h. */
#include "sessions/session_end.h"

#include "core/log.h"
#include "sessions/revocation_publish.h"

#include <time.h>

/* Publishes and logs a failure; PostgreSQL stays the record either way. */
static void publish(redisContext *redis, const lk_revoked_session_t *sessions, size_t count,
                    int64_t access_token_ttl)
{
    if (count == 0)
        return;
    if (redis == NULL) {
        lk_log_warn("revocation publish skipped: no Redis connection; %zu session(s) will "
                    "be published again by the session pruner",
                    count);
        return;
    }
    if (lk_revocations_publish(redis, sessions, count, access_token_ttl, (int64_t)time(NULL),
                               true) != 0)
        lk_log_warn("revocation publish failed for %zu session(s); the session pruner will "
                    "publish them again",
                    count);
}

lk_store_result_t lk_sessions_end_all_for_user(PGconn *db, redisContext *redis,
                                               const char *user_id, const char *reason,
                                               int64_t access_token_ttl, int64_t *ended_count)
{
    if (ended_count != NULL)
        *ended_count = 0;

    lk_revoked_sessions_t sessions;
    lk_store_result_t status =
        lk_store_sessions_end_all(db, user_id, reason, access_token_ttl, &sessions);
    if (status != LK_STORE_OK)
        return status;

    if (sessions.ended_now > 0)
        lk_log_info("sessions ended: user %s: %zu session(s), reason %s", user_id,
                    sessions.ended_now, reason);
    publish(redis, sessions.items, sessions.count, access_token_ttl);

    if (ended_count != NULL)
        *ended_count = (int64_t)sessions.ended_now;
    lk_revoked_sessions_dispose(&sessions);
    return LK_STORE_OK;
}

lk_store_result_t lk_session_end(PGconn *db, redisContext *redis,
                                 const lk_session_end_request_t *request,
                                 int64_t access_token_ttl, lk_revoked_session_t *ended)
{
    lk_revoked_session_t session;
    lk_store_result_t status = lk_store_session_end(db, request, &session);
    if (status != LK_STORE_OK)
        return status;

    lk_log_info("session ended: session %s, reason %s", session.session_id, request->reason);
    publish(redis, &session, 1, access_token_ttl);
    if (ended != NULL)
        *ended = session;
    return LK_STORE_OK;
}
