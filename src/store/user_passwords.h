/*
 * Changing a user's password in PostgreSQL, and what a change ends: outstanding reset
 * tokens and sessions. Synchronous, for worker threads and the command line.
 */
#ifndef LK_STORE_USER_PASSWORDS_H
#define LK_STORE_USER_PASSWORDS_H

#include "passwords/password_hash.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Revokes every open session of `user_id` (reason stored in revoked_reason), except
 * `kept_session_id` when it is not NULL. Stores the number revoked in `revoked` when it is
 * not NULL. Runs inside the caller's transaction when one is open. Access tokens already
 * issued for those sessions stay valid until they expire.
 *
 * NOTE: refresh rotation is adding lk_sessions_end_all_for_user, which also ends the
 * sessions' access tokens through Redis; password reset should switch to it once it exists.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_sessions_revoke(
    PGconn *connection, const char *user_id, const char *reason, const char *kept_session_id,
    int64_t *revoked);

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
 * `actor`, in one transaction. Returns LK_STORE_NOT_FOUND when the user is gone, disabled
 * or changed the password in the meantime.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_password_change(
    PGconn *connection, const char *user_id, const char *expected_old_hash, const char *new_hash,
    const char *current_session_id, const char *actor, int64_t *sessions_revoked);

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
