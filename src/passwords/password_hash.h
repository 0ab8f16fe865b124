/*
 * Argon2id password hashes in libsodium's crypto_pwhash_str format. Every function here is
 * CPU- and memory-heavy by design (tens of milliseconds) and must only run on worker
 * threads, never on an event-loop thread.
 */
#ifndef LK_PASSWORDS_PASSWORD_HASH_H
#define LK_PASSWORDS_PASSWORD_HASH_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#define LK_PASSWORD_HASH_SIZE crypto_pwhash_STRBYTES

typedef struct lk_password_params {
    unsigned long long opslimit; /* Argon2id passes */
    size_t memlimit;             /* bytes */
} lk_password_params_t;

/* Returns the default parameters: libsodium's INTERACTIVE limits (2 passes, 64 MiB). */
lk_password_params_t lk_password_params_default(void);

/*
 * Hashes a password into `hash` (LK_PASSWORD_HASH_SIZE bytes, NUL-terminated).
 * Returns 0, or -1 when the hash could not be computed (out of memory).
 */
__attribute__((warn_unused_result)) int lk_password_hash(const lk_password_params_t *params,
                                                         const char *password, size_t length,
                                                         char hash[LK_PASSWORD_HASH_SIZE]);

typedef enum lk_password_check {
    LK_PASSWORD_MATCH = 0,
    LK_PASSWORD_MISMATCH = 1,
    LK_PASSWORD_CHECK_ERROR = 2, /* malformed stored hash or out of memory */
} lk_password_check_t;

/* Checks a password against a stored hash, in time independent of where they differ. */
lk_password_check_t lk_password_verify(const char *stored_hash, const char *password,
                                       size_t length);

/* Returns true when a stored hash uses other parameters than `params` and should be redone. */
bool lk_password_needs_rehash(const lk_password_params_t *params, const char *stored_hash);

/*
 * Returns a hash of a random password made with `params` on first use, so that logins for
 * unknown emails cost the same as for known ones. Thread-safe. NULL only when hashing
 * failed.
 */
const char *lk_password_dummy_hash(const lk_password_params_t *params);

#endif
