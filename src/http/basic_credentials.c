/* Basic credentials of service clients; see basic_credentials.h. */
#include "http/basic_credentials.h"

#include "validate/form_decode.h"

#include <sodium.h>
#include <strings.h>
#include <string.h>

/* Each decoded part may be percent-encoded, which triples its length at most. */
#define ENCODED_ID_MAX (3 * LK_CLIENT_ID_MAX_LENGTH)
#define ENCODED_SECRET_MAX (3 * LK_CLIENT_SECRET_MAX_LENGTH)
#define DECODED_MAX (ENCODED_ID_MAX + 1 + ENCODED_SECRET_MAX)
#define BASE64_MAX (((DECODED_MAX + 2) / 3) * 4)

const char *lk_authorization_credentials(const char *value, size_t length, const char *scheme,
                                         size_t *credentials_length)
{
    size_t scheme_length = strlen(scheme);
    if (value == NULL || length <= scheme_length || value[scheme_length] != ' ' ||
        strncasecmp(value, scheme, scheme_length) != 0)
        return NULL;

    size_t start = scheme_length;
    while (start < length && value[start] == ' ')
        start++;
    size_t end = length;
    while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
        end--;
    *credentials_length = end - start;
    return value + start;
}

/* Form-decodes one part into `output` of `size` bytes. Returns its length, or -1. */
static long decode_part(const char *text, size_t length, char *output, size_t size)
{
    char decoded[ENCODED_SECRET_MAX + 1];
    if (length == 0 || length > ENCODED_SECRET_MAX)
        return -1;

    long decoded_length = lk_form_decode_component(text, length, decoded);
    if (decoded_length > 0 && (size_t)decoded_length < size)
        memcpy(output, decoded, (size_t)decoded_length + 1);
    else
        decoded_length = -1;
    sodium_memzero(decoded, sizeof decoded);
    return decoded_length;
}

/* Splits "id:secret" at the first ':' and decodes both parts into `credentials`. */
static lk_credentials_status_t split_pair(const char *pair, size_t length,
                                          lk_basic_credentials_t *credentials)
{
    const char *colon = memchr(pair, ':', length);
    if (colon == NULL)
        return LK_CREDENTIALS_MALFORMED;

    size_t id_length = (size_t)(colon - pair);
    long id = decode_part(pair, id_length, credentials->client_id,
                          sizeof credentials->client_id);
    long secret = decode_part(colon + 1, length - id_length - 1, credentials->secret,
                              sizeof credentials->secret);
    if (id < 0 || secret < 0)
        return LK_CREDENTIALS_MALFORMED;

    credentials->client_id_length = (size_t)id;
    credentials->secret_length = (size_t)secret;
    return LK_CREDENTIALS_PRESENT;
}

lk_credentials_status_t lk_basic_credentials_parse(const char *value, size_t length,
                                                   lk_basic_credentials_t *credentials)
{
    memset(credentials, 0, sizeof *credentials);
    size_t encoded_length = 0;
    const char *encoded = lk_authorization_credentials(value, length, "Basic", &encoded_length);
    if (encoded == NULL)
        return LK_CREDENTIALS_ABSENT;
    if (encoded_length == 0 || encoded_length > BASE64_MAX)
        return LK_CREDENTIALS_MALFORMED;

    unsigned char pair[DECODED_MAX + 3];
    size_t pair_length = 0;
    lk_credentials_status_t status = LK_CREDENTIALS_MALFORMED;
    if (sodium_init() >= 0 &&
        sodium_base642bin(pair, sizeof pair, encoded, encoded_length, NULL, &pair_length, NULL,
                          sodium_base64_VARIANT_ORIGINAL) == 0)
        status = split_pair((const char *)pair, pair_length, credentials);

    sodium_memzero(pair, sizeof pair);
    if (status != LK_CREDENTIALS_PRESENT)
        lk_basic_credentials_wipe(credentials);
    return status;
}

void lk_basic_credentials_wipe(lk_basic_credentials_t *credentials)
{
    sodium_memzero(credentials, sizeof *credentials);
}
