/* Random bearer secrets, their storage digests, and random UUIDs. */
#include "crypto/opaque_token.h"

#include "crypto/base64url.h"

#include <sodium.h>
#include <stdio.h>

int lk_opaque_token_generate(char output[LK_OPAQUE_TOKEN_LENGTH + 1])
{
    uint8_t bytes[LK_OPAQUE_TOKEN_BYTES];
    int result;

    if (sodium_init() < 0) {
        return -1;
    }
    randombytes_buf(bytes, sizeof(bytes));
    result = lk_base64url_encode(output, LK_OPAQUE_TOKEN_LENGTH + 1, bytes, sizeof(bytes));
    sodium_memzero(bytes, sizeof(bytes));
    return result;
}

bool lk_opaque_token_is_well_formed(const char *token, size_t length)
{
    uint8_t bytes[LK_OPAQUE_TOKEN_BYTES];
    size_t decoded = 0;
    bool well_formed;

    /* Decoding also rejects a last character whose unused low bits are not zero. */
    if (token == NULL || length != LK_OPAQUE_TOKEN_LENGTH) {
        return false;
    }
    well_formed = lk_base64url_decode(bytes, sizeof(bytes), token, length, &decoded) == 0 &&
                  decoded == LK_OPAQUE_TOKEN_BYTES;
    sodium_memzero(bytes, sizeof(bytes));
    return well_formed;
}

void lk_opaque_token_hash_hex(const char *token, size_t length,
                              char output[LK_TOKEN_HASH_HEX_LENGTH + 1])
{
    uint8_t digest[LK_TOKEN_HASH_BYTES];

    crypto_hash_sha256(digest, (const uint8_t *)token, length);
    sodium_bin2hex(output, LK_TOKEN_HASH_HEX_LENGTH + 1, digest, sizeof(digest));
}

bool lk_constant_time_equal(const void *a, const void *b, size_t length)
{
    return sodium_memcmp(a, b, length) == 0;
}

int lk_uuid_v4_generate(char output[37])
{
    uint8_t bytes[16];
    int written;

    if (sodium_init() < 0) {
        return -1;
    }
    randombytes_buf(bytes, sizeof(bytes));

    /* RFC 9562: the high nibble of byte 6 is the version (4), the top bits of byte 8 are 10. */
    bytes[6] = (uint8_t)((bytes[6] & 0x0f) | 0x40);
    bytes[8] = (uint8_t)((bytes[8] & 0x3f) | 0x80);

    written = snprintf(output, 37,
                       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                       bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6],
                       bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13],
                       bytes[14], bytes[15]);
    return written == 36 ? 0 : -1;
}
