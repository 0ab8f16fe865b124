/*
 * Refresh-token rotation in PostgreSQL. Tokens are looked up by their hex SHA-256
 * digest; the tokens themselves are never stored. Synchronous, for worker threads.
 */
#ifndef LK_STORE_REFRESH_TOKENS_H
#define LK_STORE_REFRESH_TOKENS_H

#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

/* One rotation: the presented token is replaced by its successor. */
typedef struct lk_refresh_rotation {
    const char *token_hash;           /* digest of the presented token */
    const char *successor_hash;       /* digest of the new token */
    const char *successor_sealed;     /* the new token sealed for the holder of the old one */
    int64_t idle_timeout_seconds;     /* the session's idle deadline moves this far ahead */
    const char *org_id;               /* the session's new organisation, or NULL to keep it */
} lk_refresh_rotation_t;

/* The session a refresh token belongs to. */
typedef struct lk_refresh_session {
    char session_id[37];
    char user_id[37];
    char client_id[129];
    char org_id[37];            /* "" for a session not scoped to an organisation */
    int64_t refresh_expires_in; /* seconds until the session's idle or absolute deadline */
} lk_refresh_session_t;

/*
 * Rotates a token in one statement. The token must be unused and unexpired, its session
 * neither revoked nor expired, and its user not disabled. The statement then marks the
 * token used, stores the sealed successor in its row, moves the session's idle deadline
 * (never past its absolute deadline), moves the session to `rotation->org_id` when that is
 * not NULL, and inserts the successor, which expires with the session. The caller checks
 * the membership that the organisation needs, because the statement does not.
 *
 * The UPDATE's condition "used_at IS NULL" is checked again on the locked row, so of
 * concurrent rotations of one token, on any number of instances, exactly one succeeds.
 * Fills `session` on LK_STORE_OK. Returns LK_STORE_NOT_FOUND when nothing was rotated
 * (lk_store_refresh_token_find then says why).
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_refresh_token_rotate(
    PGconn *connection, const lk_refresh_rotation_t *rotation, lk_refresh_session_t *session);

/* What a refresh token that could not be rotated looks like now. */
typedef struct lk_refresh_token_state {
    char token_id[37];
    lk_refresh_session_t session;
    bool used;                /* rotated before */
    bool used_within_grace;   /* rotated less than the grace period ago */
    bool successor_unused;    /* its successor exists and has not been rotated */
    bool session_revoked;
    bool session_expired;     /* idle or absolute deadline passed, or the token expired */
    bool user_disabled;
    char successor_sealed[128]; /* "" when absent or too long */
} lk_refresh_token_state_t;

/*
 * Reads the state of the token with digest `token_hash`, taking "within the grace
 * period" as used less than `grace_seconds` ago by the database clock. Returns
 * LK_STORE_NOT_FOUND for an unknown token.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_refresh_token_find(
    PGconn *connection, const char *token_hash, int64_t grace_seconds,
    lk_refresh_token_state_t *state);

#endif
