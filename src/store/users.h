/*
 * Users in PostgreSQL. An email is stored as entered and looked up by its normalized
 * form, so "Ada@Example.com " and "ada@example.com" name the same user. Synchronous, for
 * worker threads and the command line.
 */
#ifndef LK_STORE_USERS_H
#define LK_STORE_USERS_H

#include "passwords/password_hash.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The maximum email length accepted, in bytes (the SMTP path limit of RFC 5321 minus the brackets). */
#define LK_EMAIL_MAX_LENGTH 254

/*
 * Writes the normalized form of `email` into `output`: surrounding ASCII whitespace
 * removed and ASCII letters lower-cased. Bytes outside ASCII (internationalised
 * addresses) are kept as they are, so two spellings that differ only in non-ASCII case
 * remain different users. The result is truncated to `size` - 1 bytes. The store
 * functions therefore reject emails whose normalized form is longer than
 * LK_EMAIL_MAX_LENGTH and then call this with a buffer of LK_EMAIL_MAX_LENGTH + 1 bytes.
 */
void lk_email_normalize(const char *email, char *output, size_t size);

/* Returns the length of the normalized form of `email`, without writing it. */
size_t lk_email_normalized_length(const char *email);

/*
 * Inserts a user with an Argon2id `password_hash` and the audit event "user.created" by
 * `actor`, in one transaction. Stores the new id in `id` and, when `created_at` is not
 * NULL, the creation time in seconds since the epoch. Returns LK_STORE_CONFLICT when a
 * user with the same normalized email exists and LK_STORE_ERROR for an email that is
 * empty or longer than LK_EMAIL_MAX_LENGTH.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_create(
    PGconn *connection, const char *email, const char *password_hash, const char *actor,
    char id[37], int64_t *created_at);

/*
 * A user as login needs it. It contains the password hash, so the caller wipes it with
 * sodium_memzero once done.
 */
typedef struct lk_user_record {
    char id[37];
    char email[LK_EMAIL_MAX_LENGTH + 2]; /* as entered */
    char password_hash[LK_PASSWORD_HASH_SIZE];
    bool disabled;
} lk_user_record_t;

/*
 * Finds the user whose normalized email matches that of `email` and fills `user`
 * (zeroed first). Returns LK_STORE_NOT_FOUND when there is none, disabled users
 * included in the search.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_find_by_email(
    PGconn *connection, const char *email, lk_user_record_t *user);

/*
 * Replaces the password hash of `user_id` with `new_hash` only if it is still
 * `expected_old_hash` (compare-and-set), so a rehash after login cannot overwrite a
 * password changed in the meantime. password_changed_at is left alone because the
 * password itself is the same. Returns LK_STORE_NOT_FOUND when the user is gone or the
 * hash has changed.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_replace_password_hash(
    PGconn *connection, const char *user_id, const char *expected_old_hash,
    const char *new_hash);

/*
 * Disables the user with this email, revokes all of their open sessions (reason
 * "user_disabled") and inserts the audit event "user.disabled" by `actor`, in one
 * transaction. Disabling a disabled user succeeds and keeps the first disabled_at.
 * Stores the user id in `user_id` when it is not NULL. Returns LK_STORE_NOT_FOUND when
 * no user has this email. Access tokens already issued stay valid until they expire.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_user_disable(
    PGconn *connection, const char *email, const char *actor, char user_id[37]);

#endif
