/* Sealing refresh-token successors; see successor_seal.h. */
#include "sessions/successor_seal.h"

#include "crypto/base64url.h"

#include <sodium.h>
#include <string.h>

/* The BLAKE2b message that separates this key from any other use of the token. */
static const char key_context[] = "latchkey refresh-token successor key v1";

static const char sealed_prefix[] = "v1.";
#define PREFIX_LENGTH (sizeof(sealed_prefix) - 1)

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define CIPHERTEXT_BYTES (LK_OPAQUE_TOKEN_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define BOX_BYTES (NONCE_BYTES + CIPHERTEXT_BYTES)

/* Decodes a well-formed opaque token into its 32 raw bytes. Returns 0 or -1. */
static int decode_token(const char *token, size_t length, uint8_t raw[LK_OPAQUE_TOKEN_BYTES])
{
    size_t decoded = 0;
    if (!lk_opaque_token_is_well_formed(token, length))
        return -1;
    if (lk_base64url_decode(raw, LK_OPAQUE_TOKEN_BYTES, token, length, &decoded) != 0 ||
        decoded != LK_OPAQUE_TOKEN_BYTES) {
        sodium_memzero(raw, LK_OPAQUE_TOKEN_BYTES);
        return -1;
    }
    return 0;
}

int lk_successor_key_derive(const char *parent, size_t length,
                            uint8_t key[LK_SUCCESSOR_KEY_BYTES])
{
    uint8_t raw[LK_OPAQUE_TOKEN_BYTES];
    if (decode_token(parent, length, raw) != 0)
        return -1;

    int status = crypto_generichash(key, LK_SUCCESSOR_KEY_BYTES, (const uint8_t *)key_context,
                                    sizeof(key_context) - 1, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    return status == 0 ? 0 : -1;
}

int lk_successor_seal(const char *parent, size_t parent_length, const char *associated_data,
                      const char *successor, char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1])
{
    uint8_t key[LK_SUCCESSOR_KEY_BYTES];
    uint8_t plaintext[LK_OPAQUE_TOKEN_BYTES];
    uint8_t box[BOX_BYTES];
    sealed[0] = '\0';

    if (decode_token(successor, strlen(successor), plaintext) != 0)
        return -1;
    if (lk_successor_key_derive(parent, parent_length, key) != 0) {
        sodium_memzero(plaintext, sizeof plaintext);
        return -1;
    }

    /* A random 192-bit nonce: safe to pick at random, unlike the 96-bit IETF nonce. */
    randombytes_buf(box, NONCE_BYTES);
    unsigned long long ciphertext_length = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        box + NONCE_BYTES, &ciphertext_length, plaintext, sizeof plaintext,
        (const uint8_t *)associated_data, strlen(associated_data), NULL, box, key);
    sodium_memzero(plaintext, sizeof plaintext);
    sodium_memzero(key, sizeof key);

    memcpy(sealed, sealed_prefix, PREFIX_LENGTH);
    if (lk_base64url_encode(sealed + PREFIX_LENGTH, LK_SUCCESSOR_SEALED_LENGTH + 1 - PREFIX_LENGTH,
                            box, sizeof box) != 0) {
        sealed[0] = '\0';
        return -1;
    }
    return 0;
}

/* Decodes "v1.<base64url>" into the nonce and ciphertext. Returns 0 or -1. */
static int decode_sealed(const char *sealed, uint8_t box[BOX_BYTES])
{
    size_t length = strlen(sealed);
    size_t decoded = 0;
    if (length != LK_SUCCESSOR_SEALED_LENGTH || memcmp(sealed, sealed_prefix, PREFIX_LENGTH) != 0)
        return -1;
    if (lk_base64url_decode(box, BOX_BYTES, sealed + PREFIX_LENGTH, length - PREFIX_LENGTH,
                            &decoded) != 0)
        return -1;
    return decoded == BOX_BYTES ? 0 : -1;
}

int lk_successor_open(const char *parent, size_t parent_length, const char *associated_data,
                      const char *sealed, char successor[LK_OPAQUE_TOKEN_LENGTH + 1])
{
    uint8_t key[LK_SUCCESSOR_KEY_BYTES];
    uint8_t box[BOX_BYTES];
    uint8_t plaintext[LK_OPAQUE_TOKEN_BYTES];
    successor[0] = '\0';

    if (sealed == NULL || decode_sealed(sealed, box) != 0)
        return -1;
    if (lk_successor_key_derive(parent, parent_length, key) != 0)
        return -1;

    unsigned long long plaintext_length = 0;
    int opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
        plaintext, &plaintext_length, NULL, box + NONCE_BYTES, CIPHERTEXT_BYTES,
        (const uint8_t *)associated_data, strlen(associated_data), box, key);
    sodium_memzero(key, sizeof key);

    int status = -1;
    if (opened == 0 && plaintext_length == sizeof plaintext)
        status = lk_base64url_encode(successor, LK_OPAQUE_TOKEN_LENGTH + 1, plaintext,
                                     sizeof plaintext);
    sodium_memzero(plaintext, sizeof plaintext);
    if (status != 0)
        successor[0] = '\0';
    return status;
}
