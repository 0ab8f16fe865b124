/*
 * Sealing a refresh token's successor under a key that only the holder of the parent
 * token can derive, for the retry grace period.
 *
 * When a refresh token is rotated, its row keeps the successor token sealed, so that a
 * client whose response was lost can present the parent again and receive the same
 * successor. The database stores only SHA-256 digests of tokens, and the sealing key is
 * BLAKE2b keyed with the parent's 32 raw bytes (crypto_generichash with the parent as
 * key and a fixed context as message). Neither the digest nor the sealed text reveals
 * the successor to someone who reads the database without the parent token.
 *
 * The sealed text is "v1." followed by base64url(nonce || ciphertext) of
 * XChaCha20-Poly1305-IETF over the successor's 32 raw bytes, with the parent's token
 * hash as associated data so that sealed text copied to another row does not open.
 * Pure functions, safe on any thread.
 */
#ifndef LK_SESSIONS_SUCCESSOR_SEAL_H
#define LK_SESSIONS_SUCCESSOR_SEAL_H

#include "crypto/opaque_token.h"

#include <stddef.h>
#include <stdint.h>

#define LK_SUCCESSOR_KEY_BYTES 32

/* Length of the sealed text: "v1." and 96 base64url characters of 72 bytes. */
#define LK_SUCCESSOR_SEALED_LENGTH 99

/*
 * Derives the sealing key from a parent token of `length` characters. Returns 0, or -1
 * when the parent is not a well-formed opaque token. The caller wipes `key`.
 */
__attribute__((warn_unused_result)) int lk_successor_key_derive(
    const char *parent, size_t length, uint8_t key[LK_SUCCESSOR_KEY_BYTES]);

/*
 * Seals `successor` (a well-formed opaque token) for `parent`, bound to
 * `associated_data` (the parent's token hash). Writes LK_SUCCESSOR_SEALED_LENGTH
 * characters and a NUL into `sealed`. Returns 0, or -1 for a malformed parent or
 * successor.
 */
__attribute__((warn_unused_result)) int lk_successor_seal(
    const char *parent, size_t parent_length, const char *associated_data,
    const char *successor, char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1]);

/*
 * Opens text made by lk_successor_seal with the same parent and associated data and
 * writes the successor token into `successor`. Returns 0, or -1 when the text is
 * malformed or does not authenticate (another parent, other associated data, altered
 * text). After a failure `successor` is the empty string.
 */
__attribute__((warn_unused_result)) int lk_successor_open(
    const char *parent, size_t parent_length, const char *associated_data, const char *sealed,
    char successor[LK_OPAQUE_TOKEN_LENGTH + 1]);

#endif
