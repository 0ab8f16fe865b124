/*
 * Opaque bearer secrets (refresh tokens, reset tokens, client secrets): 32 random bytes
 * as base64url text, and the SHA-256 digests under which they are stored. A fast hash is
 * right here because the secrets carry 256 bits of entropy; passwords use Argon2id.
 */
#ifndef LK_CRYPTO_OPAQUE_TOKEN_H
#define LK_CRYPTO_OPAQUE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LK_OPAQUE_TOKEN_BYTES 32
#define LK_OPAQUE_TOKEN_LENGTH 43 /* base64url characters of 32 bytes, no padding */
#define LK_TOKEN_HASH_BYTES 32
#define LK_TOKEN_HASH_HEX_LENGTH 64

/* Fills `output` (LK_OPAQUE_TOKEN_LENGTH + 1 bytes) with a new random token. Returns 0 or -1. */
__attribute__((warn_unused_result)) int lk_opaque_token_generate(
    char output[LK_OPAQUE_TOKEN_LENGTH + 1]);

/* Returns true when `token` has the shape of a generated token (43 base64url characters). */
bool lk_opaque_token_is_well_formed(const char *token, size_t length);

/* Stores the SHA-256 digest of the token as lower-case hex, NUL-terminated. */
void lk_opaque_token_hash_hex(const char *token, size_t length,
                              char output[LK_TOKEN_HASH_HEX_LENGTH + 1]);

/* Compares two equal-length byte strings in constant time. Returns true when equal. */
bool lk_constant_time_equal(const void *a, const void *b, size_t length);

/* Fills `output` (37 bytes) with a random version 4 UUID in canonical text form. */
__attribute__((warn_unused_result)) int lk_uuid_v4_generate(char output[37]);

#endif
