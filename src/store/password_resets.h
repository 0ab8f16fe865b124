/*
 * Password-reset tokens and the reset message in the outbox, in PostgreSQL. Tokens are
 * stored only as the hex SHA-256 of the token. The outbox message carries the reset link
 * for the operator's mailer until it is marked sent. Synchronous, for worker threads and the
 * command line.
 *
 * A token is valid while it is unused, unrevoked, unexpired, newer than the user's last
 * password change, and its user is enabled.
 */
#ifndef LK_STORE_PASSWORD_RESETS_H
#define LK_STORE_PASSWORD_RESETS_H

#include "store/db.h"

#include <stdint.h>

/* The outbox kind of reset messages. */
#define LK_OUTBOX_KIND_PASSWORD_RESET "password_reset"

typedef struct lk_password_reset_request {
    const char *email;          /* as submitted; matched by its normalized form */
    const char *token_hash_hex; /* lower-case hex SHA-256 of the new token */
    const char *reset_url;      /* the link for the message, which contains the token */
    int64_t ttl_seconds;
    const char *request_id;     /* for the message and the audit trail */
} lk_password_reset_request_t;

/*
 * For the enabled user with this email: revokes any outstanding token, stores the new one,
 * queues the reset message in the outbox (its trigger sends NOTIFY latchkey_outbox) and
 * records the audit event "user.password_reset_requested", in one transaction. Stores the
 * user id in `user_id`. Returns LK_STORE_NOT_FOUND when no enabled user has this email.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_password_reset_create(
    PGconn *connection, const lk_password_reset_request_t *request, char user_id[37]);

typedef struct lk_password_reset_owner {
    char user_id[37];
    char email_normalized[255];
} lk_password_reset_owner_t;

/* Finds the owner of a valid token. Returns LK_STORE_NOT_FOUND for any other token. */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_password_reset_find(
    PGconn *connection, const char *token_hash_hex, lk_password_reset_owner_t *owner);

/*
 * Uses a valid token: marks it used, sets `new_hash` as the owner's password (which revokes
 * the owner's other reset tokens), revokes every session of the owner with
 * lk_store_sessions_end_all (reason "password_reset") and records the audit event
 * "user.password_reset", in one transaction. The caller then publishes the revocations
 * (lk_sessions_end_all_for_user does so). Stores the owner in `owner` and the number of sessions ended in
 * `sessions_revoked`. Returns LK_STORE_NOT_FOUND when the token is not valid (any more),
 * so that of two concurrent uses exactly one succeeds.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_password_reset_complete(
    PGconn *connection, const char *token_hash_hex, const char *new_hash, const char *request_id,
    lk_password_reset_owner_t *owner, int64_t *sessions_revoked);

#endif
