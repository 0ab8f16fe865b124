/*
 * Ending sessions: the revocation in PostgreSQL followed by its publication through
 * Redis (see revocation_publish.h). Logout, logout-all, RFC 7009 revocation, refresh-token
 * reuse, disabling a user and password changes all end sessions through these functions.
 *
 * Every function here blocks on PostgreSQL and Redis round trips, so it runs on a worker
 * thread, a background thread or in the command line, never on an event-loop thread.
 */
#ifndef LK_SESSIONS_SESSION_END_H
#define LK_SESSIONS_SESSION_END_H

#include "store/db.h"
#include "store/session_revoke.h"

#include <hiredis/hiredis.h>
#include <stdint.h>

/*
 * Ends every session of a user, for logout-all, password changes and resets, and
 * disabling an account.
 *
 * In PostgreSQL, in one statement: every session of `user_id` not yet revoked gets
 * revoked_at = now() and revoked_reason = `reason`, so that none of their refresh tokens
 * works any more, and when at least one session was ended the audit event
 * "session.ended_all" (actor "system", subject `user_id`, details {"reason", "sessions"})
 * is inserted. `reason` is a short snake_case word such as "password_reset".
 *
 * Then it publishes through `redis` every session of the user revoked within the last
 * `access_token_ttl` seconds: those ended now and those revoked before (for example by
 * `latchkey users disable`, which revokes in PostgreSQL only). From then on POST
 * /v1/token/verify on every instance reports their access tokens inactive within a
 * second. `access_token_ttl` is the configured LATCHKEY_ACCESS_TOKEN_TTL.
 *
 * `db` and `redis` stay owned by the caller and are used from the calling thread only.
 * `redis` may be NULL. A Redis failure is logged and does not change the result, because
 * PostgreSQL is the record: each server's session pruner publishes recent revocations
 * again every LATCHKEY_SESSION_PRUNE_INTERVAL seconds. After a Redis I/O error the caller
 * should reconnect (a worker does so by itself on its next lk_worker_redis call).
 *
 * When `db` has a transaction open, the UPDATE runs inside it, but the publication
 * happens at once, before that transaction commits. Call it after your own commit, or
 * in a transaction that then commits.
 *
 * Stores the number of sessions ended by this call in `*ended_count` when it is not
 * NULL. Returns LK_STORE_OK, also for a user without open sessions or an unknown user
 * id. Returns LK_STORE_UNAVAILABLE when PostgreSQL is unreachable (retry later) and
 * LK_STORE_ERROR for anything else, such as a `user_id` that is not a UUID. Nothing is
 * published unless the result is LK_STORE_OK.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_sessions_end_all_for_user(
    PGconn *db, redisContext *redis, const char *user_id, const char *reason,
    int64_t access_token_ttl, int64_t *ended_count);

/*
 * Ends one session selected by `request` (by id or by any refresh token of its family)
 * and publishes its revocation like lk_sessions_end_all_for_user. Stores the ended
 * session in `ended` when it is not NULL. Returns LK_STORE_NOT_FOUND when no open
 * session matched, including one that was revoked already; then nothing is published.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_session_end(
    PGconn *db, redisContext *redis, const lk_session_end_request_t *request,
    int64_t access_token_ttl, lk_revoked_session_t *ended);

#endif
