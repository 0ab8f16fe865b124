/* Canonical UUID text: ids from clients are compared and cached in lower case. */
#ifndef LK_VALIDATE_UUID_TEXT_H
#define LK_VALIDATE_UUID_TEXT_H

/*
 * Copies the 36 characters of a UUID that lk_format_is_uuid accepted into `output`,
 * lower-casing the hexadecimal letters, and NUL-terminates it. Pure.
 */
void lk_uuid_copy_lower(const char *uuid, char output[37]);

#endif
