/*
 * Decoding one application/x-www-form-urlencoded component ("+" is a space, %XX a byte),
 * for values that arrive form-encoded outside a body, such as the client id and secret
 * inside HTTP Basic credentials (RFC 6749 section 2.3.1). Pure, safe on any thread.
 */
#ifndef LK_VALIDATE_FORM_DECODE_H
#define LK_VALIDATE_FORM_DECODE_H

#include <stddef.h>

/*
 * Decodes `length` bytes of `text` into `output`, which needs `length` + 1 bytes, and
 * NUL-terminates it. Returns the decoded length, or -1 for a malformed percent escape, a
 * NUL byte or invalid UTF-8 after decoding.
 */
__attribute__((warn_unused_result)) long lk_form_decode_component(const char *text, size_t length,
                                                                  char *output);

#endif
