/*
 * Helpers shared by the files of src/keys: parsing a public key PEM for a pinned algorithm
 * and turning a public key into its JWK members. Not for use outside src/keys.
 */
#ifndef LK_KEYS_JWK_H
#define LK_KEYS_JWK_H

#include "keys/signing_key.h"

/*
 * Checks that `key` is what `alg` requires: a P-256 key for ES256, an RSA key of at least
 * 2048 bits for RS256. Returns 0, or -1 for any other key.
 */
__attribute__((warn_unused_result)) int lk_key_check_alg(lk_jwt_alg_t alg, const EVP_PKEY *key);

/*
 * A pem_password_cb that makes reading an encrypted PEM fail instead of prompting for a
 * passphrase on the terminal, which is OpenSSL's behaviour when no callback is given.
 */
int lk_pem_reject_passphrase(char *buffer, int size, int rwflag, void *user_data);

/*
 * Parses a SubjectPublicKeyInfo PEM and checks it against `alg`. Returns a new key that the
 * caller frees with EVP_PKEY_free, or NULL.
 */
__attribute__((warn_unused_result)) EVP_PKEY *lk_public_key_read(lk_jwt_alg_t alg,
                                                                 const char *public_pem);

/*
 * Builds a new JSON object with exactly the members that RFC 7638 hashes: crv, kty, x and y
 * for ES256, e, kty and n for RS256. Returns NULL on failure.
 */
__attribute__((warn_unused_result)) json_t *lk_jwk_required_members(lk_jwt_alg_t alg,
                                                                    const EVP_PKEY *key);

#endif
