/* Base64url without padding (RFC 4648 section 5), as JOSE uses it. */
#ifndef LK_CRYPTO_BASE64URL_H
#define LK_CRYPTO_BASE64URL_H

#include <stddef.h>
#include <stdint.h>

/* Returns the buffer size, terminating NUL included, that encoding `length` bytes needs. */
size_t lk_base64url_encoded_size(size_t length);

/*
 * Encodes `length` bytes of `input` into `output` as NUL-terminated text.
 * Returns 0, or -1 when `output_size` is too small.
 */
__attribute__((warn_unused_result)) int lk_base64url_encode(char *output, size_t output_size,
                                                            const uint8_t *input, size_t length);

/*
 * Decodes `length` characters of base64url text (no padding, no whitespace) into `output`
 * and stores the decoded length in `decoded_length`.
 * Returns 0, or -1 for invalid text or when `output_size` is too small.
 */
__attribute__((warn_unused_result)) int lk_base64url_decode(uint8_t *output, size_t output_size,
                                                            const char *input, size_t length,
                                                            size_t *decoded_length);

#endif
