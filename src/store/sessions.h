/*
 * Sessions in PostgreSQL: one row per refresh-token family. Synchronous, for worker
 * threads and the command line.
 */
#ifndef LK_STORE_SESSIONS_H
#define LK_STORE_SESSIONS_H

#include "store/db.h"

#include <stdint.h>

typedef struct lk_session_request {
    const char *user_id;
    const char *client_id;
    const char *org_id;                 /* NULL for a session not scoped to an organisation */
    const char *refresh_token_hash_hex; /* lower-case hex SHA-256 of the first refresh token */
    int64_t absolute_ttl_seconds;       /* the session ends this long after creation */
    int64_t idle_timeout_seconds;       /* ... or this long after its last refresh */
} lk_session_request_t;

typedef struct lk_session_record {
    char session_id[37];
    int64_t refresh_expires_in; /* seconds until the refresh token expires */
} lk_session_record_t;

/*
 * Creates a session and its first refresh token in one statement, so both rows exist or
 * neither does. The refresh token expires with the session, at the earlier of the
 * absolute and the idle deadline. Returns LK_STORE_CONFLICT when the token hash exists
 * already (a random 256-bit token makes that a bug, not bad luck) and LK_STORE_ERROR for
 * an unknown user or organisation.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_session_create(
    PGconn *connection, const lk_session_request_t *request, lk_session_record_t *created);

#endif
