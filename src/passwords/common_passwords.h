/*
 * The list of common passwords that new passwords may not be. NIST SP 800-63B (section
 * 5.1.1.2) requires verifiers to compare new passwords against a list of commonly used,
 * expected or compromised values. The list is a text file with one password per line (by default Debian's john-data list,
 * /usr/share/john/password.lst); lines starting with "#!" are comments. It is read once at
 * start-up into a hash set and compared without regard to ASCII case. The set is immutable
 * after loading, so any thread may read it.
 */
#ifndef LK_PASSWORDS_COMMON_PASSWORDS_H
#define LK_PASSWORDS_COMMON_PASSWORDS_H

#include <stdbool.h>
#include <stddef.h>

/* Files larger than this are rejected as not being a password list. */
#define LK_COMMON_PASSWORDS_MAX_FILE_BYTES (64 * 1024 * 1024)

typedef struct lk_common_passwords lk_common_passwords_t;

/*
 * Reads the list at `path`. Returns the set, or NULL with a one-line reason naming the path
 * in `error`. An empty list is accepted (and logged by the caller if it wishes).
 */
__attribute__((warn_unused_result)) lk_common_passwords_t *lk_common_passwords_load(
    const char *path, char *error, size_t error_size);

/* Builds a set from `length` bytes of list text (for tests). Returns NULL when out of memory. */
__attribute__((warn_unused_result)) lk_common_passwords_t *lk_common_passwords_from_text(
    const char *text, size_t length);

/* Frees the set. Accepts NULL. */
void lk_common_passwords_destroy(lk_common_passwords_t *set);

/* Returns true when `password` is in the list, ignoring ASCII case. */
bool lk_common_passwords_contains(const lk_common_passwords_t *set, const char *password,
                                  size_t length);

/* Returns the number of distinct passwords in the set. */
size_t lk_common_passwords_count(const lk_common_passwords_t *set);

#endif
