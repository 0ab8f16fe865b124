/* Building and signing RFC 9068 access tokens with a parsed key. */
#include "tokens/access_token.h"

#include "crypto/base64url.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define LK_JTI_BYTES 16

/* Checks that the required claims are present and consistent. */
static bool claims_are_complete(const lk_access_claims_t *claims)
{
    if (claims->issuer == NULL || claims->audience == NULL || claims->subject == NULL ||
        claims->client_id == NULL || claims->session_id == NULL) {
        return false;
    }

    /* An organisation-scoped token names both the organisation and the role in it. */
    if ((claims->org_id == NULL) != (claims->role == NULL)) {
        return false;
    }
    return claims->expires_at > claims->issued_at;
}

/* Returns the header {"alg","kid","typ"} as new compact JSON text, or NULL. */
static char *build_header(const lk_signing_key_t *key)
{
    json_t *header = json_pack("{s:s, s:s, s:s}", "alg", lk_jwt_alg_name(key->alg), "kid",
                               key->kid, "typ", "at+jwt");
    char *text = NULL;

    if (header != NULL) {
        text = json_dumps(header, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(header);
    }
    return text;
}

/* Returns the claims as new compact JSON text with a fresh random "jti", or NULL. */
static char *build_claims(const lk_access_claims_t *claims)
{
    uint8_t jti_bytes[LK_JTI_BYTES];
    char jti[32];
    json_t *object;
    char *text = NULL;

    randombytes_buf(jti_bytes, sizeof(jti_bytes));
    if (lk_base64url_encode(jti, sizeof(jti), jti_bytes, sizeof(jti_bytes)) != 0) {
        return NULL;
    }
    object = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "iss", claims->issuer, "sub",
                       claims->subject, "aud", claims->audience, "exp",
                       (json_int_t)claims->expires_at, "iat", (json_int_t)claims->issued_at,
                       "jti", jti, "client_id", claims->client_id, "sid", claims->session_id);
    if (object == NULL) {
        return NULL;
    }
    if (claims->org_id != NULL &&
        (json_object_set_new(object, "org_id", json_string(claims->org_id)) != 0 ||
         json_object_set_new(object, "role", json_string(claims->role)) != 0)) {
        json_decref(object);
        return NULL;
    }
    text = json_dumps(object, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(object);
    return text;
}

/*
 * Appends the base64url text of `length` bytes at `*position` in `output` (of `capacity`
 * bytes) and advances `*position`. Returns 0 or -1.
 */
static int append_base64url(char *output, size_t capacity, size_t *position, const void *data,
                            size_t length)
{
    if (lk_base64url_encode(output + *position, capacity - *position, data, length) != 0) {
        return -1;
    }
    *position += strlen(output + *position);
    return 0;
}

/*
 * Writes header.claims into a new buffer with room for the signature, signs it, and
 * appends the signature. Returns the token, or NULL.
 */
static char *assemble_token(const lk_signing_key_t *key, const char *header, const char *claims)
{
    size_t signature_capacity = (size_t)EVP_PKEY_get_size(key->private_key);
    size_t capacity = lk_base64url_encoded_size(strlen(header)) +
                      lk_base64url_encoded_size(strlen(claims)) +
                      lk_base64url_encoded_size(signature_capacity);
    uint8_t *signature = malloc(signature_capacity);
    char *token = malloc(capacity);
    size_t position = 0;
    size_t signature_length = 0;

    if (signature == NULL || token == NULL ||
        append_base64url(token, capacity, &position, header, strlen(header)) != 0) {
        goto failed;
    }
    token[position++] = '.';
    if (append_base64url(token, capacity, &position, claims, strlen(claims)) != 0) {
        goto failed;
    }

    /* The signing input is the ASCII text of the first two parts. */
    if (lk_signing_key_sign(key, (const uint8_t *)token, position, signature,
                            signature_capacity, &signature_length) != 0) {
        goto failed;
    }
    token[position++] = '.';
    if (append_base64url(token, capacity, &position, signature, signature_length) != 0) {
        goto failed;
    }
    free(signature);
    return token;

failed:
    free(signature);
    free(token);
    return NULL;
}

int lk_access_token_sign(const lk_signing_key_t *key, const lk_access_claims_t *claims,
                         char **token)
{
    char *header = NULL;
    char *payload = NULL;
    char *text = NULL;

    *token = NULL;
    if (key == NULL || key->private_key == NULL || claims == NULL ||
        !claims_are_complete(claims) || sodium_init() < 0) {
        return -1;
    }
    header = build_header(key);
    payload = build_claims(claims);
    if (header != NULL && payload != NULL) {
        text = assemble_token(key, header, payload);
    }
    free(header);
    free(payload);

    /* A token that verifiers would reject for its length is not issued. */
    if (text == NULL || strlen(text) > LK_ACCESS_TOKEN_MAX_LENGTH) {
        free(text);
        return -1;
    }
    *token = text;
    return 0;
}
