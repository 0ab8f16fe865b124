/*
 * The server's current key ring, shared by every thread. Readers take a reference with
 * lk_key_source_acquire and release it when done; the key refresher swaps in a new ring
 * with lk_key_source_replace. The old ring is freed when its last reader releases it.
 */
#ifndef LK_KEYS_KEY_SOURCE_H
#define LK_KEYS_KEY_SOURCE_H

#include "keys/keyring.h"

typedef struct lk_key_source lk_key_source_t;

/* Returns a new source holding `ring` (whose reference it takes over), or NULL. */
__attribute__((warn_unused_result)) lk_key_source_t *lk_key_source_create(lk_keyring_t *ring);

/* Frees the source and drops its reference to the current ring. Accepts NULL. */
void lk_key_source_destroy(lk_key_source_t *source);

/* Returns a new reference to the current ring; the caller releases it with lk_keyring_release. */
lk_keyring_t *lk_key_source_acquire(lk_key_source_t *source);

/* Makes `ring` (whose reference it takes over) current and drops the reference to the old one. */
void lk_key_source_replace(lk_key_source_t *source, lk_keyring_t *ring);

#endif
