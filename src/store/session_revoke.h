/*
 * Ending sessions in PostgreSQL: setting revoked_at and revoked_reason on one session or
 * on every session of a user, with the audit event, in one statement each. A revoked
 * session rejects every refresh token of its family. Synchronous, for worker threads,
 * background threads and the command line.
 */
#ifndef LK_STORE_SESSION_REVOKE_H
#define LK_STORE_SESSION_REVOKE_H

#include "store/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A session that has been revoked, as the revocation list needs it. */
typedef struct lk_revoked_session {
    char session_id[37];
    int64_t revoked_at; /* seconds since the epoch */
} lk_revoked_session_t;

/* A growable array of revoked sessions; dispose it with lk_revoked_sessions_dispose. */
typedef struct lk_revoked_sessions {
    lk_revoked_session_t *items;
    size_t count;
    size_t ended_now; /* how many of `items` (the first ones) this call revoked */
} lk_revoked_sessions_t;

void lk_revoked_sessions_dispose(lk_revoked_sessions_t *sessions);

/*
 * Revokes every session of `user_id` that is not revoked yet with `reason`, and when it
 * revoked at least one, inserts the audit event "session.ended_all" (actor "system",
 * subject the user id, details {"reason", "sessions"}), in one statement. Fills
 * `sessions` with the sessions revoked now (counted in `ended_now`) followed by the
 * user's sessions revoked earlier but within the last `recent_seconds`, which a caller
 * may publish again. Returns LK_STORE_OK also for a user without sessions, and
 * LK_STORE_ERROR for a `user_id` that is not a UUID.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_sessions_end_all(
    PGconn *connection, const char *user_id, const char *reason, int64_t recent_seconds,
    lk_revoked_sessions_t *sessions);

/* Which session lk_store_session_end revokes, and what it records about it. */
typedef struct lk_session_end_request {
    const char *session_id;         /* the session by id, or NULL to select by token */
    const char *refresh_token_hash; /* any refresh token of the family, hex SHA-256 */
    const char *reason;             /* stored in sessions.revoked_reason */
    const char *event;              /* audit event name, such as "session.ended" */
    const char *actor;              /* audit actor, or NULL for the session's user id */
    const json_t *details;          /* extra audit details (never secrets), or NULL */
} lk_session_end_request_t;

/*
 * Revokes one session that is not revoked yet and inserts the audit event `event` for
 * it, whose subject is the session's user id and whose details are `details` plus
 * "session_id" and "reason", in one statement. Fills `ended`. Returns LK_STORE_NOT_FOUND
 * when no session matched or it was revoked already, so that of two concurrent callers
 * exactly one gets LK_STORE_OK and writes the audit event.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_session_end(
    PGconn *connection, const lk_session_end_request_t *request, lk_revoked_session_t *ended);

/*
 * Lists at most `limit` sessions revoked within the last `recent_seconds`, newest first,
 * so that their revocations can be published again after a lost Redis write.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_sessions_recently_revoked(
    PGconn *connection, int64_t recent_seconds, int64_t limit, lk_revoked_sessions_t *sessions);

#endif
