/* Base64url without padding, on top of libsodium's constant-time codec. */
#include "crypto/base64url.h"

#include <sodium.h>
#include <stdbool.h>

#define LK_BASE64URL_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

size_t lk_base64url_encoded_size(size_t length)
{
    return sodium_base64_ENCODED_LEN(length, LK_BASE64URL_VARIANT);
}

int lk_base64url_encode(char *output, size_t output_size, const uint8_t *input, size_t length)
{
    /* libsodium aborts the process on a short buffer, so the size is checked here. */
    if (output == NULL || output_size < lk_base64url_encoded_size(length)) {
        return -1;
    }
    if (sodium_bin2base64(output, output_size, input, length, LK_BASE64URL_VARIANT) == NULL) {
        return -1;
    }
    return 0;
}

/*
 * Returns true when every character is in the base64url alphabet. libsodium 1.0.18 (the
 * Debian bookworm package) decodes any byte from 0x80 up as if it were a valid character,
 * which would let two different texts decode to the same token, so the alphabet is checked
 * here first. The loop does not exit early, so its timing does not depend on the text.
 */
static bool is_url_alphabet(const char *input, size_t length)
{
    unsigned int invalid = 0;

    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)input[i];
        unsigned int valid = ((c >= 'A') & (c <= 'Z')) | ((c >= 'a') & (c <= 'z')) |
                             ((c >= '0') & (c <= '9')) | (c == '-') | (c == '_');

        invalid |= valid ^ 1U;
    }
    return invalid == 0;
}

int lk_base64url_decode(uint8_t *output, size_t output_size, const char *input, size_t length,
                        size_t *decoded_length)
{
    size_t decoded = 0;

    /*
     * No characters are ignored and the end pointer is not requested, so libsodium rejects
     * padding, whitespace, any other character and non-zero trailing bits.
     */
    if (!is_url_alphabet(input, length)) {
        return -1;
    }
    if (sodium_base642bin(output, output_size, input, length, NULL, &decoded, NULL,
                          LK_BASE64URL_VARIANT) != 0) {
        return -1;
    }
    *decoded_length = decoded;
    return 0;
}
