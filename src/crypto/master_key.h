/*
 * The master key seals signing keys' private halves at rest (XChaCha20-Poly1305 from
 * libsodium, with the key id as associated data so that a sealed blob cannot be moved to
 * another key's row). The master key itself lives in memory locked with sodium_malloc.
 */
#ifndef LK_CRYPTO_MASTER_KEY_H
#define LK_CRYPTO_MASTER_KEY_H

#include <stddef.h>
#include <stdint.h>

#define LK_MASTER_KEY_BYTES 32

typedef struct lk_master_key lk_master_key_t;

/*
 * Reads the file at `path`, which holds the 32-byte key in standard base64 (surrounding
 * whitespace allowed). Returns the key, or NULL with a one-line reason in `error`
 * (naming the path, never the content).
 */
__attribute__((warn_unused_result)) lk_master_key_t *lk_master_key_load(const char *path,
                                                                        char *error,
                                                                        size_t error_size);

/* Builds a key from raw bytes (for `master-key` commands and tests). NULL on failure. */
__attribute__((warn_unused_result)) lk_master_key_t *lk_master_key_from_bytes(
    const uint8_t bytes[LK_MASTER_KEY_BYTES]);

/* Wipes and frees the key. Accepts NULL. */
void lk_master_key_destroy(lk_master_key_t *key);

#define LK_MASTER_KEY_ID_LENGTH 16

/*
 * Writes a public identifier of the key: 16 hex digits of a BLAKE2b-64 MAC of a fixed label
 * keyed with the master key. Operators compare it across instances and commands to see
 * which master key each one loaded. Without the key it cannot be computed or inverted.
 */
void lk_master_key_id(const lk_master_key_t *key, char id[LK_MASTER_KEY_ID_LENGTH + 1]);

/*
 * Seals `length` bytes of `plaintext`, bound to `associated_data` (a NUL-terminated string,
 * the key id). Stores in `sealed` a malloc'ed NUL-terminated text "v1.<base64url(nonce ||
 * ciphertext)>" that the caller frees. Returns 0 or -1.
 */
__attribute__((warn_unused_result)) int lk_master_key_seal(const lk_master_key_t *key,
                                                           const char *associated_data,
                                                           const uint8_t *plaintext, size_t length,
                                                           char **sealed);

/*
 * Opens text made by lk_master_key_seal with the same associated data. Stores the
 * plaintext, NUL-terminated, in memory from sodium_malloc that the caller releases with
 * lk_secret_free, and its length without the NUL in `length`. Returns 0, or -1 when the
 * text is malformed or does not authenticate (wrong key or wrong associated data).
 */
__attribute__((warn_unused_result)) int lk_master_key_open(const lk_master_key_t *key,
                                                           const char *associated_data,
                                                           const char *sealed, uint8_t **plaintext,
                                                           size_t *length);

#define LK_MASTER_KEY_CONTEXT_BYTES 8

/*
 * Derives an independent subkey of `length` bytes (16 to 64) for one purpose, named by
 * `subkey_id` and an 8-character `context` (libsodium's crypto_kdf, which is BLAKE2b keyed
 * with the master key). The same inputs always give the same subkey, on every instance.
 * Returns 0, or -1 for a length out of range.
 */
__attribute__((warn_unused_result)) int lk_master_key_derive(
    const lk_master_key_t *key, uint64_t subkey_id,
    const char context[LK_MASTER_KEY_CONTEXT_BYTES], uint8_t *subkey, size_t length);

/* Wipes and frees memory returned by lk_master_key_open. Accepts NULL. */
void lk_secret_free(void *secret);

#endif
