/*
 * The key ring: an immutable, reference-counted set of published signing keys, one of
 * which may be active (used to sign new tokens). The server loads a new ring from the
 * database whenever keys change and swaps it in; request handlers keep a reference for as
 * long as they use it, so a swap never frees a key under a running request.
 */
#ifndef LK_KEYS_KEYRING_H
#define LK_KEYS_KEYRING_H

#include "keys/signing_key.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct lk_keyring lk_keyring_t;

/* Returns a new, empty, unfrozen ring with one reference, or NULL. */
__attribute__((warn_unused_result)) lk_keyring_t *lk_keyring_create(void);

/*
 * Adds a key and takes ownership of it (also on failure). At most one key may be active.
 * Only callable before lk_keyring_freeze. Returns 0, or -1 for a duplicate kid, a second
 * active key or an active key without its private half.
 */
__attribute__((warn_unused_result)) int lk_keyring_add(lk_keyring_t *ring, lk_signing_key_t *key,
                                                       bool active);

/*
 * Finishes the ring: builds the JWKS document {"keys":[...]} of every key and its ETag.
 * After this call the ring is read-only and may be shared across threads. Returns 0 or -1.
 */
__attribute__((warn_unused_result)) int lk_keyring_freeze(lk_keyring_t *ring);

/* Returns the key with this kid, or NULL. */
const lk_signing_key_t *lk_keyring_find(const lk_keyring_t *ring, const char *kid);

/* Returns the active key, or NULL when none is active. */
const lk_signing_key_t *lk_keyring_active(const lk_keyring_t *ring);

/* Returns the number of keys in the ring. */
size_t lk_keyring_count(const lk_keyring_t *ring);

/* Returns the JWKS document built by lk_keyring_freeze, and its length. */
const char *lk_keyring_jwks(const lk_keyring_t *ring, size_t *length);

/* Returns the JWKS ETag, a quoted strong validator such as "\"3q2-7w\"". */
const char *lk_keyring_jwks_etag(const lk_keyring_t *ring);

/* Adds a reference (atomic). Returns `ring`. */
lk_keyring_t *lk_keyring_retain(lk_keyring_t *ring);

/* Drops a reference (atomic); the last one frees the ring and its keys. Accepts NULL. */
void lk_keyring_release(lk_keyring_t *ring);

#endif
