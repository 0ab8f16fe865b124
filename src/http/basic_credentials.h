/*
 * HTTP Basic credentials of service clients (RFC 7617), read as OAuth 2.0
 * client_secret_basic prescribes (RFC 6749 section 2.3.1): the client id and secret are
 * each form-urlencoded, then joined by ':' and base64-encoded. Pure, safe on any thread.
 */
#ifndef LK_HTTP_BASIC_CREDENTIALS_H
#define LK_HTTP_BASIC_CREDENTIALS_H

#include "crypto/client_secret.h"

#include <stddef.h>

typedef enum lk_credentials_status {
    LK_CREDENTIALS_ABSENT = 0, /* no header, or a scheme other than Basic */
    LK_CREDENTIALS_MALFORMED,  /* Basic, but not decodable into a non-empty id and secret */
    LK_CREDENTIALS_PRESENT,
} lk_credentials_status_t;

typedef struct lk_basic_credentials {
    char client_id[LK_CLIENT_ID_MAX_LENGTH + 1];
    size_t client_id_length;
    char secret[LK_CLIENT_SECRET_MAX_LENGTH + 1]; /* wipe with lk_basic_credentials_wipe */
    size_t secret_length;
} lk_basic_credentials_t;

/*
 * Parses an Authorization header value of `length` bytes (`value` may be NULL for an
 * absent header) into `credentials`, which is zeroed first and contains a secret only on
 * LK_CREDENTIALS_PRESENT. The scheme name is case-insensitive. The decoded id and
 * secret must be valid UTF-8 without NUL bytes, the id at most LK_CLIENT_ID_MAX_LENGTH
 * and the secret at most LK_CLIENT_SECRET_MAX_LENGTH bytes.
 */
lk_credentials_status_t lk_basic_credentials_parse(const char *value, size_t length,
                                                   lk_basic_credentials_t *credentials);

/* Zeroes the credentials, secret included. */
void lk_basic_credentials_wipe(lk_basic_credentials_t *credentials);

/*
 * Finds the credentials after `scheme` (such as "Bearer") in an Authorization value: the
 * scheme matched case-insensitively, then one or more spaces. Returns a pointer to them
 * and their length in `credentials_length`, or NULL when the value uses another scheme.
 */
const char *lk_authorization_credentials(const char *value, size_t length, const char *scheme,
                                         size_t *credentials_length);

#endif
