/*
 * Password policy: length in Unicode code points between LK_PASSWORD_MIN_CHARACTERS and
 * LK_PASSWORD_MAX_CHARACTERS, valid UTF-8, no control characters, no composition rules, not
 * a common password.
 */
#include "passwords/password_policy.h"

#include "validate/utf8.h"

#include <stdint.h>
#include <stdio.h>

/* C0 control characters (U+0000 to U+001F, including NUL and tab) and DEL cannot be
 * typed reliably and break terminals and logs, so they are rejected. */
static int is_control_character(uint32_t code_point)
{
    return code_point < 0x20 || code_point == 0x7F;
}

/*
 * Walks the password once, decoding each code point. Returns 0 and stores the number of
 * code points, or -1 with the reason in `reason`.
 */
static int count_characters(const char *password, size_t length, size_t *count, char *reason,
                            size_t reason_size)
{
    const unsigned char *bytes = (const unsigned char *)password;
    size_t characters = 0;

    for (size_t offset = 0; offset < length; characters++) {
        uint32_t code_point;
        size_t used = lk_utf8_decode(bytes + offset, length - offset, &code_point);
        if (used == 0) {
            snprintf(reason, reason_size, "must be valid UTF-8");
            return -1;
        }
        if (is_control_character(code_point)) {
            snprintf(reason, reason_size, "must not contain control characters");
            return -1;
        }
        offset += used;
    }

    *count = characters;
    return 0;
}

int lk_password_policy_check(const lk_common_passwords_t *common, const char *password,
                             size_t length, char *reason, size_t reason_size)
{
    size_t characters = 0;

    if (password == NULL && length > 0) {
        snprintf(reason, reason_size, "must be valid UTF-8");
        return -1;
    }
    if (count_characters(password, length, &characters, reason, reason_size) != 0) {
        return -1;
    }

    if (characters < LK_PASSWORD_MIN_CHARACTERS) {
        snprintf(reason, reason_size, "must be at least %d characters", LK_PASSWORD_MIN_CHARACTERS);
        return -1;
    }
    if (characters > LK_PASSWORD_MAX_CHARACTERS) {
        snprintf(reason, reason_size, "must be at most %d characters", LK_PASSWORD_MAX_CHARACTERS);
        return -1;
    }
    if (lk_common_passwords_contains(common, password, length)) {
        snprintf(reason, reason_size, "is too common: it appears on a list of frequently used "
                                      "passwords, so choose another one");
        return -1;
    }
    return 0;
}
