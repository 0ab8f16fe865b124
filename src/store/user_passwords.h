/*
 * Changing a user's password in PostgreSQL, and what a change ends: outstanding reset
 * tokens and sessions. Synchronous, for worker threads and the command line.
 */
#ifndef LK_STORE_USER_PASSWORDS_H
#define LK_STORE_USER_PASSWORDS_H

#include "passwords/password_hash.h"
#include "store/db.h"
#include "store/session_revoke.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Revokes every open session of `user_id` except `kept_session_id` (reason stored in
 * revoked_reason) and fills `revoked` with the sessions it revoked, which the caller
 * publishes with lk_revocations_publish after committing and then disposes. Runs inside the
 * caller's transaction when one is open.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_sessions_revoke_others(
    PGconn *connection, const char *user_id, const char *reason, const char *kept_session_id,
    lk_revoked_sessions_t *revoked);

/* A user as a password change needs it. Contains the password hash: wipe it when done. */
typedef struct lk_password_owner {
    char email_normalized[255];
    char password_hash[LK_PASSWORD_HASH_SIZE];
    bool disabled;
    bool session_active; /* the session named in the lookup exists, belongs to the user and is open */
} lk_password_owner_t;

/*
 * Finds user `user_id` and checks that `session_id` is one of their open sessions. Returns
 * LK_STORE_NOT_FOUND when the user does not exist.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_password_owner_find(
    PGconn *connection, const char *user_id, const char *session_id, lk_password_owner_t *owner);

/*
 * Replaces the password of an enabled user whose hash is still `expected_old_hash`, sets
 * password_changed_at, revokes the user's outstanding reset tokens and every other session
 * (reason "password_changed"), and records the audit event "user.password_changed" by
 * `actor`, in one transaction. Fills `revoked` with the sessions revoked, for the caller to
 * publish and dispose. Returns LK_STORE_NOT_FOUND when the user is gone, disabled or
 * changed the password in the meantime.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_password_change(
    PGconn *connection, const char *user_id, const char *expected_old_hash, const char *new_hash,
    const char *current_session_id, const char *actor, lk_revoked_sessions_t *revoked);

/*
 * Sets a new password hash and password_changed_at for an enabled user and revokes the
 * user's outstanding reset tokens. Part of a caller's transaction. Returns
 * LK_STORE_NOT_FOUND when no enabled user has this id (or, with `expected_old_hash`
 * given, when the hash differs).
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_set_password(
    PGconn *connection, const char *user_id, const char *expected_old_hash, const char *new_hash);

/* Commits when `status` is LK_STORE_OK, else rolls back. Returns the final status. */
lk_store_result_t lk_store_finish_transaction(PGconn *connection, lk_store_result_t status);

#endif
