/*
 * The password policy applied wherever a password is set (CLI, reset, change), following
 * NIST SP 800-63B: a minimum and maximum length counted in Unicode code points, valid
 * UTF-8, no composition rules, and no password from the list of common passwords.
 */
#ifndef LK_PASSWORDS_PASSWORD_POLICY_H
#define LK_PASSWORDS_PASSWORD_POLICY_H

#include "passwords/common_passwords.h"

#include <stddef.h>

#define LK_PASSWORD_MIN_CHARACTERS 8
#define LK_PASSWORD_MAX_CHARACTERS 128

/*
 * Checks a candidate password against the rules above and the `common` list, which is
 * required. Returns 0 when acceptable, or -1 with a message for the user in `reason` ("must
 * be at least 8 characters"), which never contains the password.
 */
__attribute__((warn_unused_result)) int lk_password_policy_check(
    const lk_common_passwords_t *common, const char *password, size_t length, char *reason,
    size_t reason_size);

#endif
