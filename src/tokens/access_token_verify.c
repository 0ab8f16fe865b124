/*
 * Verifying RFC 9068 access tokens against the key ring. The checks run from the cheapest
 * and most structural to the claims, and the signature is checked before any claim is
 * trusted. The key is chosen by "kid", and the header "alg" must equal that key's pinned
 * algorithm, so a token cannot choose "none", HMAC or another key type.
 */
#include "tokens/access_token.h"

#include "crypto/base64url.h"

#include <string.h>
#include <strings.h>

/* Decoded parts are at most three quarters of the token's length. */
#define LK_PART_MAX (LK_ACCESS_TOKEN_MAX_LENGTH / 4 * 3 + 3)

struct token_parts {
    const char *text[3];
    size_t length[3];
    uint8_t signature[LK_PART_MAX];
    size_t signature_length;
};

/* Splits the token at its two dots. Returns 0, or -1 unless there are exactly three parts. */
static int split_token(const char *token, size_t length, struct token_parts *parts)
{
    const char *first = memchr(token, '.', length);
    const char *second;
    const char *end = token + length;

    if (first == NULL) {
        return -1;
    }
    second = memchr(first + 1, '.', (size_t)(end - first - 1));
    if (second == NULL || memchr(second + 1, '.', (size_t)(end - second - 1)) != NULL) {
        return -1;
    }
    parts->text[0] = token;
    parts->length[0] = (size_t)(first - token);
    parts->text[1] = first + 1;
    parts->length[1] = (size_t)(second - first - 1);
    parts->text[2] = second + 1;
    parts->length[2] = (size_t)(end - second - 1);
    return 0;
}

/* Decodes a base64url part that contains a JSON object. Returns the new object, or NULL. */
static json_t *decode_json_object(const char *text, size_t length)
{
    uint8_t decoded[LK_PART_MAX];
    size_t decoded_length = 0;
    json_error_t error;
    json_t *object;

    if (lk_base64url_decode(decoded, sizeof(decoded), text, length, &decoded_length) != 0) {
        return NULL;
    }
    object = json_loadb((const char *)decoded, decoded_length, JSON_REJECT_DUPLICATES, &error);
    if (object != NULL && !json_is_object(object)) {
        json_decref(object);
        return NULL;
    }
    return object;
}

/*
 * Finds the key named by the header and checks the header's algorithm against it. Stores
 * the key in `key`.
 */
static lk_token_status_t check_key(const lk_keyring_t *ring, const json_t *header,
                                   const lk_signing_key_t **key)
{
    const char *kid = json_string_value(json_object_get(header, "kid"));
    const char *alg = json_string_value(json_object_get(header, "alg"));

    *key = kid == NULL ? NULL : lk_keyring_find(ring, kid);
    if (*key == NULL) {
        return LK_TOKEN_UNKNOWN_KEY;
    }
    if (alg == NULL || strcmp(alg, lk_jwt_alg_name((*key)->alg)) != 0) {
        return LK_TOKEN_ALG_MISMATCH;
    }
    return LK_TOKEN_VALID;
}

/* Checks the signature over the signing input, the text of the first two parts. */
static lk_token_status_t check_signature(const lk_signing_key_t *key,
                                         const struct token_parts *parts)
{
    size_t input_length = parts->length[0] + 1 + parts->length[1];

    if (lk_signing_key_verify(key, (const uint8_t *)parts->text[0], input_length,
                              parts->signature, parts->signature_length) != 1) {
        return LK_TOKEN_BAD_SIGNATURE;
    }
    return LK_TOKEN_VALID;
}

/* Checks "typ": RFC 9068 compares it without case and allows the "application/" prefix. */
static lk_token_status_t check_type(const json_t *header)
{
    const char *type = json_string_value(json_object_get(header, "typ"));

    if (type == NULL ||
        (strcasecmp(type, "at+jwt") != 0 && strcasecmp(type, "application/at+jwt") != 0)) {
        return LK_TOKEN_WRONG_TYPE;
    }
    return LK_TOKEN_VALID;
}

/* Checks "aud": a string equal to ours, or an array of strings that contains ours. */
static lk_token_status_t check_audience(const json_t *claims, const char *audience)
{
    const json_t *value = json_object_get(claims, "aud");
    lk_token_status_t status = LK_TOKEN_WRONG_AUDIENCE;
    size_t index;
    const json_t *member;

    if (json_is_string(value)) {
        return strcmp(json_string_value(value), audience) == 0 ? LK_TOKEN_VALID
                                                               : LK_TOKEN_WRONG_AUDIENCE;
    }
    if (!json_is_array(value)) {
        return LK_TOKEN_MISSING_CLAIM;
    }
    json_array_foreach(value, index, member) {
        if (!json_is_string(member)) {
            return LK_TOKEN_MISSING_CLAIM;
        }
        if (strcmp(json_string_value(member), audience) == 0) {
            status = LK_TOKEN_VALID;
        }
    }
    return status;
}

/* Checks exp, iat and nbf against the current time, allowing the leeway on each. */
static lk_token_status_t check_times(const json_t *claims, const lk_verify_params_t *params)
{
    const json_t *expires = json_object_get(claims, "exp");
    const json_t *issued = json_object_get(claims, "iat");
    const json_t *not_before = json_object_get(claims, "nbf");

    if (!json_is_integer(expires) || !json_is_integer(issued) ||
        (not_before != NULL && !json_is_integer(not_before))) {
        return LK_TOKEN_MISSING_CLAIM;
    }
    if (json_integer_value(expires) <= params->now - params->leeway_seconds) {
        return LK_TOKEN_EXPIRED;
    }
    if (json_integer_value(issued) > params->now + params->leeway_seconds) {
        return LK_TOKEN_NOT_YET_VALID;
    }
    if (not_before != NULL &&
        json_integer_value(not_before) > params->now + params->leeway_seconds) {
        return LK_TOKEN_NOT_YET_VALID;
    }
    return LK_TOKEN_VALID;
}

/* Checks that the string claims are present, and that the optional ones are strings. */
static lk_token_status_t check_string_claims(const json_t *claims)
{
    static const char *const required[] = {"sub", "jti", "client_id", "sid"};
    static const char *const optional[] = {"org_id", "role"};

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (!json_is_string(json_object_get(claims, required[i]))) {
            return LK_TOKEN_MISSING_CLAIM;
        }
    }
    for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
        const json_t *value = json_object_get(claims, optional[i]);

        if (value != NULL && !json_is_string(value)) {
            return LK_TOKEN_MISSING_CLAIM;
        }
    }
    return LK_TOKEN_VALID;
}

/* Checks the claims of a token whose signature is already verified. */
static lk_token_status_t check_claims(const json_t *claims, const lk_verify_params_t *params)
{
    const char *issuer = json_string_value(json_object_get(claims, "iss"));
    lk_token_status_t status;

    if (issuer == NULL) {
        return LK_TOKEN_MISSING_CLAIM;
    }
    if (strcmp(issuer, params->issuer) != 0) {
        return LK_TOKEN_WRONG_ISSUER;
    }
    status = check_audience(claims, params->audience);
    if (status == LK_TOKEN_VALID) {
        status = check_times(claims, params);
    }
    if (status == LK_TOKEN_VALID) {
        status = check_string_claims(claims);
    }
    return status;
}

/*
 * Checks everything that the header decides: the key, its algorithm, the signature and the
 * type. A "crit" member names extensions that latchkey does not implement, so RFC 7515
 * requires the token to be rejected.
 */
static lk_token_status_t check_header(const lk_keyring_t *ring, const json_t *header,
                                      const struct token_parts *parts)
{
    const lk_signing_key_t *key = NULL;
    lk_token_status_t status;

    if (json_object_get(header, "crit") != NULL) {
        return LK_TOKEN_MALFORMED;
    }
    status = check_key(ring, header, &key);
    if (status == LK_TOKEN_VALID) {
        status = check_signature(key, parts);
    }
    if (status == LK_TOKEN_VALID) {
        status = check_type(header);
    }
    return status;
}

lk_token_status_t lk_access_token_verify(const lk_keyring_t *ring, const char *token,
                                         size_t length, const lk_verify_params_t *params,
                                         json_t **claims)
{
    struct token_parts parts;
    json_t *header = NULL;
    json_t *payload = NULL;
    lk_token_status_t status = LK_TOKEN_MALFORMED;

    if (claims != NULL) {
        *claims = NULL;
    }
    if (token == NULL || length == 0 || length > LK_ACCESS_TOKEN_MAX_LENGTH ||
        split_token(token, length, &parts) != 0) {
        return LK_TOKEN_MALFORMED;
    }

    /* Every part must be valid base64url, and the first two JSON objects. */
    header = decode_json_object(parts.text[0], parts.length[0]);
    payload = decode_json_object(parts.text[1], parts.length[1]);
    if (header == NULL || payload == NULL ||
        lk_base64url_decode(parts.signature, sizeof(parts.signature), parts.text[2],
                            parts.length[2], &parts.signature_length) != 0) {
        goto done;
    }

    status = check_header(ring, header, &parts);
    if (status == LK_TOKEN_VALID) {
        status = check_claims(payload, params);
    }
    if (status == LK_TOKEN_VALID && claims != NULL) {
        *claims = payload;
        payload = NULL;
    }

done:
    json_decref(header);
    json_decref(payload);
    return status;
}

const char *lk_token_status_name(lk_token_status_t status)
{
    switch (status) {
    case LK_TOKEN_VALID:
        return "valid";
    case LK_TOKEN_MALFORMED:
        return "malformed";
    case LK_TOKEN_UNKNOWN_KEY:
        return "unknown_key";
    case LK_TOKEN_ALG_MISMATCH:
        return "alg_mismatch";
    case LK_TOKEN_BAD_SIGNATURE:
        return "bad_signature";
    case LK_TOKEN_WRONG_TYPE:
        return "wrong_type";
    case LK_TOKEN_EXPIRED:
        return "expired";
    case LK_TOKEN_NOT_YET_VALID:
        return "not_yet_valid";
    case LK_TOKEN_WRONG_ISSUER:
        return "wrong_issuer";
    case LK_TOKEN_WRONG_AUDIENCE:
        return "wrong_audience";
    case LK_TOKEN_MISSING_CLAIM:
        return "missing_claim";
    case LK_TOKEN_SESSION_REVOKED:
        return "session_revoked";
    }
    return "unknown";
}
