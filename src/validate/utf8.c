/* Strict UTF-8 decoding shared by the request validator and the password policy. */
#include "validate/utf8.h"

/* Returns the number of continuation bytes a lead byte announces, or -1 for a byte that
 * cannot start a sequence (a continuation byte, 0xC0, 0xC1 or 0xF5 to 0xFF). */
static int continuation_count(unsigned char lead)
{
    if (lead < 0x80) {
        return 0;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return 1;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return 2;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        return 3;
    }
    return -1;
}

/* The smallest code point that needs a sequence of 1 + `continuations` bytes; anything
 * smaller is an overlong encoding. */
static const uint32_t minimum_code_point[4] = {0x0, 0x80, 0x800, 0x10000};

size_t lk_utf8_decode(const unsigned char *text, size_t length, uint32_t *code_point)
{
    if (length == 0) {
        return 0;
    }

    int continuations = continuation_count(text[0]);
    if (continuations < 0 || (size_t)continuations >= length) {
        return 0;
    }

    /* A lead byte carries 7, 5, 4 or 3 payload bits, and each continuation byte adds 6. */
    uint32_t value = continuations == 0 ? text[0] : text[0] & (0x7Fu >> (continuations + 1));
    for (int i = 1; i <= continuations; i++) {
        if ((text[i] & 0xC0) != 0x80) {
            return 0;
        }
        value = (value << 6) | (text[i] & 0x3Fu);
    }

    if (value < minimum_code_point[continuations] || value > 0x10FFFF ||
        (value >= 0xD800 && value <= 0xDFFF)) {
        return 0;
    }
    *code_point = value;
    return (size_t)continuations + 1;
}

int lk_utf8_count(const char *text, size_t length, size_t *count)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t code_points = 0;

    for (size_t offset = 0; offset < length; code_points++) {
        uint32_t code_point;
        size_t used = lk_utf8_decode(bytes + offset, length - offset, &code_point);
        if (used == 0) {
            return -1;
        }
        offset += used;
    }
    *count = code_points;
    return 0;
}
