/* String formats that field rules can require: email addresses and UUIDs. */
#include "validate/request_schema.h"

#include "validate/utf8.h"

#include <string.h>

/* RFC 5321 limits: 254 bytes for a whole address that fits a forward path, 64 for the
 * local part and 63 for a domain label. */
#define EMAIL_MAX_BYTES 254
#define EMAIL_LOCAL_MAX_BYTES 64
#define EMAIL_LABEL_MAX_BYTES 63

/* Returns true for control characters and Unicode white space, none of which belong in an
 * email address. */
static bool is_space_or_control(uint32_t code_point)
{
    return code_point <= 0x20 || (code_point >= 0x7F && code_point <= 0xA0) ||
           code_point == 0x1680 || (code_point >= 0x2000 && code_point <= 0x200A) ||
           code_point == 0x2028 || code_point == 0x2029 || code_point == 0x202F ||
           code_point == 0x205F || code_point == 0x3000 || code_point == 0xFEFF;
}

/* Returns true when `text` is valid UTF-8 without white space or control characters. */
static bool has_only_visible_characters(const char *text, size_t length)
{
    const unsigned char *bytes = (const unsigned char *)text;

    for (size_t offset = 0; offset < length;) {
        uint32_t code_point;
        size_t used = lk_utf8_decode(bytes + offset, length - offset, &code_point);
        if (used == 0 || is_space_or_control(code_point)) {
            return false;
        }
        offset += used;
    }
    return true;
}

/* Returns true when a domain has no empty label ("a..b", ".a", "a.") and no label is
 * longer than 63 bytes. */
static bool has_valid_labels(const char *domain, size_t length)
{
    size_t label_length = 0;

    for (size_t i = 0; i < length; i++) {
        if (domain[i] != '.') {
            label_length++;
            continue;
        }
        if (label_length == 0 || label_length > EMAIL_LABEL_MAX_BYTES) {
            return false;
        }
        label_length = 0;
    }
    return label_length > 0 && label_length <= EMAIL_LABEL_MAX_BYTES;
}

bool lk_format_is_email(const char *text, size_t length)
{
    const char *at = memchr(text, '@', length);
    if (length > EMAIL_MAX_BYTES || at == NULL) {
        return false;
    }

    size_t local_length = (size_t)(at - text);
    size_t domain_length = length - local_length - 1;
    if (memchr(at + 1, '@', domain_length) != NULL) {
        return false;
    }
    if (local_length == 0 || local_length > EMAIL_LOCAL_MAX_BYTES || domain_length == 0) {
        return false;
    }
    return has_only_visible_characters(text, length) && has_valid_labels(at + 1, domain_length);
}

bool lk_format_is_uuid(const char *text, size_t length)
{
    static const char hex_digits[] = "0123456789abcdefABCDEF";

    if (length != 36) {
        return false;
    }
    for (size_t i = 0; i < length; i++) {
        bool hyphen_position = i == 8 || i == 13 || i == 18 || i == 23;
        bool valid = hyphen_position ? text[i] == '-'
                                     : text[i] != '\0' && strchr(hex_digits, text[i]) != NULL;
        if (!valid) {
            return false;
        }
    }
    return true;
}
