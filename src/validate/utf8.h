/*
 * Strict UTF-8 decoding (RFC 3629): overlong forms, surrogates (U+D800 to U+DFFF), code
 * points above U+10FFFF and truncated sequences are all invalid. Pure functions, safe on
 * any thread.
 */
#ifndef LK_VALIDATE_UTF8_H
#define LK_VALIDATE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence that starts at `text[0]`, reading at most `length` bytes. Returns
 * the sequence's length in bytes (1 to 4) and stores its code point, or returns 0 when
 * the bytes are not valid UTF-8 or `length` is 0.
 */
size_t lk_utf8_decode(const unsigned char *text, size_t length, uint32_t *code_point);

/*
 * Counts the code points of `text`. Returns 0 and stores the count, or -1 when `text` is
 * not valid UTF-8.
 */
__attribute__((warn_unused_result)) int lk_utf8_count(const char *text, size_t length,
                                                      size_t *count);

#endif
