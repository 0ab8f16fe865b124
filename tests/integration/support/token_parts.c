/* Token segment helpers for the integration tests; see token_parts.h. */
#include "support/token_parts.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>

enum { P256_COORDINATE_BYTES = 32 };

char *lk_test_token_segment(const char *token, int index)
{
    const char *start = token;
    const char *end;

    for (int i = 0; i < index; i++) {
        start = strchr(start, '.');
        if (start == NULL) {
            fail_msg("token has no segment %d", index);
        }
        start++;
    }
    end = strchr(start, '.');
    return end != NULL ? strndup(start, (size_t)(end - start)) : strdup(start);
}

/* Decodes the base64url TEXT into a new buffer and stores its length in LENGTH. */
static unsigned char *base64url_decode(const char *text, size_t *length)
{
    size_t capacity = strlen(text) + 1;
    unsigned char *bytes = malloc(capacity);

    assert_non_null(bytes);
    if (sodium_base642bin(bytes, capacity, text, strlen(text), NULL, length, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        fail_msg("\"%.80s\" is not unpadded base64url", text);
    }
    return bytes;
}

json_t *lk_test_token_segment_json(const char *token, int index)
{
    char *segment = lk_test_token_segment(token, index);
    size_t length = 0;
    unsigned char *bytes = base64url_decode(segment, &length);
    json_error_t error;
    json_t *object = json_loadb((const char *)bytes, length, JSON_REJECT_DUPLICATES, &error);

    if (object == NULL || !json_is_object(object)) {
        fail_msg("token segment %d is not a JSON object: %s", index, error.text);
    }
    free(bytes);
    free(segment);
    return object;
}

char *lk_test_base64url_encode(const void *data, size_t length)
{
    size_t capacity = sodium_base64_ENCODED_LEN(length, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *text = malloc(capacity);

    assert_non_null(text);
    sodium_bin2base64(text, capacity, data, length, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return text;
}

char *lk_test_base64url_json(const json_t *object)
{
    char *json_text = json_dumps(object, JSON_COMPACT);
    char *encoded;

    assert_non_null(json_text);
    encoded = lk_test_base64url_encode(json_text, strlen(json_text));
    free(json_text);
    return encoded;
}

char *lk_test_token_join(const char *header, const char *payload, const char *signature)
{
    size_t length = strlen(header) + strlen(payload) + strlen(signature) + 3;
    char *token = malloc(length);

    assert_non_null(token);
    snprintf(token, length, "%s.%s.%s", header, payload, signature);
    return token;
}

/* Decodes the base64url member NAME of JWK into a 32-byte P-256 coordinate at OUT. */
static void decode_coordinate(const json_t *jwk, const char *name, unsigned char *out)
{
    const char *text = json_string_value(json_object_get(jwk, name));
    size_t length = 0;
    unsigned char *bytes;

    if (text == NULL) {
        fail_msg("JWK has no string member \"%s\"", name);
    }
    bytes = base64url_decode(text, &length);
    assert_int_equal(length, P256_COORDINATE_BYTES);
    memcpy(out, bytes, P256_COORDINATE_BYTES);
    free(bytes);
}

/* Builds an EVP_PKEY for the uncompressed P-256 point POINT. */
static EVP_PKEY *load_p256_public_key(const unsigned char *point, size_t point_length)
{
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;

    assert_non_null(builder);
    assert_non_null(context);
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point, point_length), 1);
    params = OSSL_PARAM_BLD_to_param(builder);
    assert_non_null(params);

    assert_int_equal(EVP_PKEY_fromdata_init(context), 1);
    if (EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        fail_msg("the JWK's x and y do not form a P-256 public key");
    }

    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    EVP_PKEY_CTX_free(context);
    return key;
}

char *lk_test_pem_from_ec_jwk(const json_t *jwk)
{
    unsigned char point[1 + 2 * P256_COORDINATE_BYTES];
    EVP_PKEY *key;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long length;
    char *pem;

    /* An uncompressed point is 0x04, then x, then y (SEC 1, section 2.3.3). */
    point[0] = 0x04;
    decode_coordinate(jwk, "x", point + 1);
    decode_coordinate(jwk, "y", point + 1 + P256_COORDINATE_BYTES);
    key = load_p256_public_key(point, sizeof(point));

    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
    length = BIO_get_mem_data(bio, &data);
    assert_true(length > 0);
    pem = strndup(data, (size_t)length);
    assert_non_null(pem);

    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

char *lk_test_sign_hs256(const char *header_segment, const char *payload_segment,
                         const void *secret, size_t secret_length)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_length = 0;
    size_t input_length = strlen(header_segment) + strlen(payload_segment) + 2;
    char *signing_input = malloc(input_length);
    char *signature;
    char *token;

    assert_non_null(signing_input);
    snprintf(signing_input, input_length, "%s.%s", header_segment, payload_segment);
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, secret_length,
                              (const unsigned char *)signing_input, strlen(signing_input), mac,
                              sizeof(mac), &mac_length));

    signature = lk_test_base64url_encode(mac, mac_length);
    token = lk_test_token_join(header_segment, payload_segment, signature);
    free(signature);
    free(signing_input);
    return token;
}
