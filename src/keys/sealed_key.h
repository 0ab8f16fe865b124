/*
 * A freshly generated signing key ready to be stored: its kid, algorithm, public PEM and
 * private PEM sealed with the master key. The plaintext private key never leaves
 * lk_sealed_key_generate. Used by `latchkey keys create|rotate` and the server's key
 * rotator; safe on any thread except an event loop (RSA generation takes about a second).
 */
#ifndef LK_KEYS_SEALED_KEY_H
#define LK_KEYS_SEALED_KEY_H

#include "crypto/master_key.h"
#include "keys/signing_key.h"

#include <stddef.h>

typedef struct lk_sealed_key {
    char kid[LK_KID_MAX_LENGTH + 1]; /* RFC 7638 thumbprint of the public key */
    lk_jwt_alg_t alg;
    char *public_key_pem;            /* malloc'ed SubjectPublicKeyInfo PEM */
    char *private_key_sealed;        /* malloc'ed lk_master_key_seal text, kid as associated data */
} lk_sealed_key_t;

/*
 * Generates a key pair for `alg`, derives its kid and seals the private PEM with
 * `master_key`. The plaintext private PEM is wiped before returning. Fills `key`, which
 * the caller disposes with lk_sealed_key_dispose. Returns 0, or -1 with the failed step
 * in `error`.
 */
__attribute__((warn_unused_result)) int lk_sealed_key_generate(lk_jwt_alg_t alg,
                                                               const lk_master_key_t *master_key,
                                                               lk_sealed_key_t *key, char *error,
                                                               size_t error_size);

/* Frees the strings of `key` and zeroes it. Accepts a zeroed key. */
void lk_sealed_key_dispose(lk_sealed_key_t *key);

#endif
