/* Unit tests for src/keys/signing_key.c, keygen.c, jwk.c and signature.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto/base64url.h"
#include "keys/signing_key.h"

/* RFC 7638 section 3.1: an RSA public key and its thumbprint. */
#define RFC7638_N                                                                                 \
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP" \
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY" \
    "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f" \
    "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_E "AQAB"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* RFC 7515 appendix A.3: a P-256 public key and an ES256 signature made with it. */
#define RFC7515_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define RFC7515_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define RFC7515_SIGNING_INPUT                                                                     \
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmN" \
    "vbS9pc19yb290Ijp0cnVlfQ"
#define RFC7515_SIGNATURE \
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"

struct key_pairs {
    char *es256_private;
    char *es256_public;
    char *es256_other_private;
    char *es256_other_public;
    char *rs256_private;
    char *rs256_public;
};

static int generate_keys(void **state)
{
    struct key_pairs *pairs = calloc(1, sizeof(*pairs));

    if (pairs == NULL ||
        lk_keypair_generate(LK_ALG_ES256, &pairs->es256_private, &pairs->es256_public) != 0 ||
        lk_keypair_generate(LK_ALG_ES256, &pairs->es256_other_private,
                            &pairs->es256_other_public) != 0 ||
        lk_keypair_generate(LK_ALG_RS256, &pairs->rs256_private, &pairs->rs256_public) != 0) {
        return -1;
    }
    *state = pairs;
    return 0;
}

static int free_keys(void **state)
{
    struct key_pairs *pairs = *state;

    lk_secret_string_free(pairs->es256_private);
    free(pairs->es256_public);
    lk_secret_string_free(pairs->es256_other_private);
    free(pairs->es256_other_public);
    lk_secret_string_free(pairs->rs256_private);
    free(pairs->rs256_public);
    free(pairs);
    return 0;
}

static lk_signing_key_t *create_key(const char *kid, lk_jwt_alg_t alg, const char *public_pem,
                                    const char *private_pem)
{
    return lk_signing_key_create(kid, alg, public_pem, private_pem,
                                 private_pem == NULL ? 0 : strlen(private_pem));
}

/* Writes `key` as a public key PEM, a new malloc'ed string. */
static char *write_public_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    char *pem;
    long length;

    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
    length = BIO_get_mem_data(bio, &data);
    pem = strndup(data, (size_t)length);
    assert_non_null(pem);
    BIO_free(bio);
    return pem;
}

/* Builds a public key PEM of `type` ("EC" or "RSA") from OpenSSL parameters. */
static char *public_pem_from_params(const char *type, OSSL_PARAM_BLD *builder)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(builder);
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *key = NULL;
    char *pem;

    assert_non_null(params);
    assert_non_null(context);
    assert_int_equal(EVP_PKEY_fromdata_init(context), 1);
    assert_int_equal(EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
    pem = write_public_pem(key);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(context);
    OSSL_PARAM_free(params);
    return pem;
}

static size_t decode(const char *text, uint8_t *output, size_t output_size)
{
    size_t length = 0;

    assert_int_equal(lk_base64url_decode(output, output_size, text, strlen(text), &length), 0);
    return length;
}

/* Builds a P-256 public key PEM from JWK x and y. */
static char *ec_public_pem(const char *x, const char *y)
{
    uint8_t point[65];
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    char *pem;

    point[0] = 0x04; /* uncompressed point */
    assert_int_equal(decode(x, point + 1, 32), 32);
    assert_int_equal(decode(y, point + 33, 32), 32);
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME,
                                                     "prime256v1", 0),
                     1);
    assert_int_equal(
        OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
        1);
    pem = public_pem_from_params("EC", builder);
    OSSL_PARAM_BLD_free(builder);
    return pem;
}

/* Builds an RSA public key PEM from JWK n and e. */
static char *rsa_public_pem(const char *n, const char *e)
{
    uint8_t n_bytes[512];
    uint8_t e_bytes[8];
    size_t n_length = decode(n, n_bytes, sizeof(n_bytes));
    size_t e_length = decode(e, e_bytes, sizeof(e_bytes));
    BIGNUM *modulus = BN_bin2bn(n_bytes, (int)n_length, NULL);
    BIGNUM *exponent = BN_bin2bn(e_bytes, (int)e_length, NULL);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    char *pem;

    assert_int_equal(OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, modulus), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, exponent), 1);
    pem = public_pem_from_params("RSA", builder);
    OSSL_PARAM_BLD_free(builder);
    BN_free(modulus);
    BN_free(exponent);
    return pem;
}

/* Generates a key with OpenSSL directly and returns its public PEM. */
static char *generated_public_pem(EVP_PKEY *key)
{
    char *pem;

    assert_non_null(key);
    pem = write_public_pem(key);
    EVP_PKEY_free(key);
    return pem;
}

static void alg_names_round_trip(void **state)
{
    lk_jwt_alg_t alg = LK_ALG_RS256;

    (void)state;
    assert_string_equal(lk_jwt_alg_name(LK_ALG_ES256), "ES256");
    assert_string_equal(lk_jwt_alg_name(LK_ALG_RS256), "RS256");
    assert_int_equal(lk_jwt_alg_parse("ES256", &alg), 0);
    assert_int_equal(alg, LK_ALG_ES256);
    assert_int_equal(lk_jwt_alg_parse("RS256", &alg), 0);
    assert_int_equal(alg, LK_ALG_RS256);
}

static void alg_parse_rejects_others(void **state)
{
    static const char *const rejected[] = {"es256", "rs256", "HS256", "none", "", "ES256 ",
                                           "ES384", "PS256", "EdDSA"};
    lk_jwt_alg_t alg;

    (void)state;
    for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
        assert_int_equal(lk_jwt_alg_parse(rejected[i], &alg), -1);
    }
    assert_int_equal(lk_jwt_alg_parse(NULL, &alg), -1);
}

static void keypair_writes_pkcs8_and_spki(void **state)
{
    struct key_pairs *pairs = *state;

    assert_non_null(strstr(pairs->es256_private, "-----BEGIN PRIVATE KEY-----"));
    assert_non_null(strstr(pairs->es256_public, "-----BEGIN PUBLIC KEY-----"));
    assert_non_null(strstr(pairs->rs256_private, "-----BEGIN PRIVATE KEY-----"));
    assert_non_null(strstr(pairs->rs256_public, "-----BEGIN PUBLIC KEY-----"));
    assert_null(strstr(pairs->es256_public, "PRIVATE"));
}

/* Signs a message, checks the signature length, and checks that it verifies. */
static void assert_sign_verify(const lk_signing_key_t *key, size_t expected_length)
{
    static const uint8_t message[] = "header.claims";
    uint8_t signature[512];
    size_t length = 0;

    assert_int_equal(lk_signing_key_sign(key, message, sizeof(message) - 1, signature,
                                         sizeof(signature), &length),
                     0);
    assert_int_equal(length, expected_length);
    assert_int_equal(lk_signing_key_verify(key, message, sizeof(message) - 1, signature, length),
                     1);
}

static void es256_sign_verify_round_trip(void **state)
{
    struct key_pairs *pairs = *state;
    lk_signing_key_t *key = create_key("es", LK_ALG_ES256, pairs->es256_public,
                                       pairs->es256_private);

    assert_non_null(key);
    assert_sign_verify(key, 64);
    lk_signing_key_destroy(key);
}

static void rs256_sign_verify_round_trip(void **state)
{
    struct key_pairs *pairs = *state;
    lk_signing_key_t *key = create_key("rs", LK_ALG_RS256, pairs->rs256_public,
                                       pairs->rs256_private);

    assert_non_null(key);
    assert_sign_verify(key, LK_RSA_KEY_BITS / 8);
    lk_signing_key_destroy(key);
}

/* Checks that changed data, changed bytes and other lengths of a good signature fail. */
static void assert_tampering_detected(const lk_signing_key_t *key)
{
    static const uint8_t message[] = "header.claims";
    const size_t message_length = sizeof(message) - 1;
    uint8_t signature[512];
    uint8_t changed[513];
    size_t length = 0;

    assert_int_equal(
        lk_signing_key_sign(key, message, message_length, signature, sizeof(signature), &length),
        0);
    assert_int_equal(lk_signing_key_verify(key, (const uint8_t *)"header.claimt", message_length,
                                           signature, length),
                     0);

    /* A flipped bit at the start, middle and end of the signature. */
    for (size_t position = 0; position < length; position += length / 2 - 1) {
        memcpy(changed, signature, length);
        changed[position] ^= 0x01;
        assert_int_equal(lk_signing_key_verify(key, message, message_length, changed, length), 0);
    }

    memcpy(changed, signature, length);
    changed[length] = 0;
    assert_int_equal(lk_signing_key_verify(key, message, message_length, changed, length + 1), 0);
    assert_int_equal(lk_signing_key_verify(key, message, message_length, signature, length - 1),
                     0);
    assert_int_equal(lk_signing_key_verify(key, message, message_length, signature, 0), 0);

    memset(changed, 0, sizeof(changed));
    assert_int_equal(lk_signing_key_verify(key, message, message_length, changed, length), 0);
}

static void es256_verify_detects_tampering(void **state)
{
    struct key_pairs *pairs = *state;
    lk_signing_key_t *key = create_key("es", LK_ALG_ES256, pairs->es256_public,
                                       pairs->es256_private);

    assert_non_null(key);
    assert_tampering_detected(key);
    lk_signing_key_destroy(key);
}

static void rs256_verify_detects_tampering(void **state)
{
    struct key_pairs *pairs = *state;
    lk_signing_key_t *key = create_key("rs", LK_ALG_RS256, pairs->rs256_public,
                                       pairs->rs256_private);

    assert_non_null(key);
    assert_tampering_detected(key);
    lk_signing_key_destroy(key);
}

static void es256_verify_rejects_der_signature(void **state)
{
    static const uint8_t message[] = "header.claims";
    struct key_pairs *pairs = *state;
    EVP_PKEY *private_key;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    BIO *bio = BIO_new_mem_buf(pairs->es256_private, -1);
    uint8_t der[80];
    size_t der_length = sizeof(der);
    lk_signing_key_t *key = create_key("es", LK_ALG_ES256, pairs->es256_public, NULL);

    /* A signature in OpenSSL's DER form is valid ECDSA but not a valid JWS signature. */
    private_key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    assert_non_null(private_key);
    assert_int_equal(EVP_DigestSignInit(context, NULL, EVP_sha256(), NULL, private_key), 1);
    assert_int_equal(EVP_DigestSign(context, der, &der_length, message, sizeof(message) - 1), 1);
    assert_int_equal(
        lk_signing_key_verify(key, message, sizeof(message) - 1, der, der_length), 0);

    lk_signing_key_destroy(key);
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(private_key);
    BIO_free(bio);
}

static void es256_verify_rfc7515_example(void **state)
{
    char *pem = ec_public_pem(RFC7515_X, RFC7515_Y);
    lk_signing_key_t *key = create_key("rfc7515", LK_ALG_ES256, pem, NULL);
    const char *input = RFC7515_SIGNING_INPUT;
    uint8_t signature[64];

    (void)state;
    assert_non_null(key);
    assert_int_equal(decode(RFC7515_SIGNATURE, signature, sizeof(signature)), 64);
    assert_int_equal(
        lk_signing_key_verify(key, (const uint8_t *)input, strlen(input), signature, 64), 1);
    signature[10] ^= 0x80;
    assert_int_equal(
        lk_signing_key_verify(key, (const uint8_t *)input, strlen(input), signature, 64), 0);
    lk_signing_key_destroy(key);
    free(pem);
}

static void sign_requires_private_half(void **state)
{
    struct key_pairs *pairs = *state;
    lk_signing_key_t *key = create_key("es", LK_ALG_ES256, pairs->es256_public, NULL);
    uint8_t signature[64];
    size_t length = 99;

    assert_non_null(key);
    assert_null(key->private_key);
    assert_int_equal(lk_signing_key_sign(key, (const uint8_t *)"x", 1, signature,
                                         sizeof(signature), &length),
                     -1);
    assert_int_equal(length, 0);
    lk_signing_key_destroy(key);
}

static void sign_rejects_short_buffer(void **state)
{
    struct key_pairs *pairs = *state;
    lk_signing_key_t *es = create_key("es", LK_ALG_ES256, pairs->es256_public,
                                      pairs->es256_private);
    lk_signing_key_t *rs = create_key("rs", LK_ALG_RS256, pairs->rs256_public,
                                      pairs->rs256_private);
    uint8_t signature[512];
    size_t length = 0;

    assert_non_null(es);
    assert_non_null(rs);
    assert_int_equal(lk_signing_key_sign(es, (const uint8_t *)"x", 1, signature, 63, &length), -1);
    assert_int_equal(lk_signing_key_sign(rs, (const uint8_t *)"x", 1, signature,
                                         LK_RSA_KEY_BITS / 8 - 1, &length),
                     -1);
    lk_signing_key_destroy(es);
    lk_signing_key_destroy(rs);
}

static void create_rejects_mismatched_private_half(void **state)
{
    struct key_pairs *pairs = *state;

    assert_null(create_key("es", LK_ALG_ES256, pairs->es256_public, pairs->es256_other_private));
    assert_null(create_key("es", LK_ALG_ES256, pairs->es256_public, pairs->rs256_private));
    assert_null(create_key("rs", LK_ALG_RS256, pairs->rs256_public, pairs->es256_private));
}

static void create_rejects_wrong_algorithm(void **state)
{
    struct key_pairs *pairs = *state;

    assert_null(create_key("es", LK_ALG_RS256, pairs->es256_public, pairs->es256_private));
    assert_null(create_key("rs", LK_ALG_ES256, pairs->rs256_public, pairs->rs256_private));
    assert_null(create_key("es", (lk_jwt_alg_t)7, pairs->es256_public, NULL));
}

static void create_rejects_weak_rsa_and_other_curves(void **state)
{
    char *rsa_1024 = generated_public_pem(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024));
    char *p384 = generated_public_pem(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp384r1"));
    char *ed25519 = generated_public_pem(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
    char kid[LK_KID_MAX_LENGTH + 1];

    (void)state;
    assert_null(create_key("rsa-1024", LK_ALG_RS256, rsa_1024, NULL));
    assert_null(create_key("p-384", LK_ALG_ES256, p384, NULL));
    assert_null(create_key("ed25519", LK_ALG_ES256, ed25519, NULL));
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_RS256, rsa_1024, kid), -1);
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_ES256, p384, kid), -1);
    free(rsa_1024);
    free(p384);
    free(ed25519);
}

static void create_rejects_invalid_pem(void **state)
{
    struct key_pairs *pairs = *state;
    char *truncated = strndup(pairs->es256_public, strlen(pairs->es256_public) / 2);

    assert_null(create_key("es", LK_ALG_ES256, "not a key", NULL));
    assert_null(create_key("es", LK_ALG_ES256, "", NULL));
    assert_null(create_key("es", LK_ALG_ES256, NULL, NULL));
    assert_null(create_key("es", LK_ALG_ES256, truncated, NULL));
    assert_null(create_key("es", LK_ALG_ES256, pairs->es256_public, "not a key"));

    /* A private key PEM is not accepted where the public key PEM belongs. */
    assert_null(create_key("es", LK_ALG_ES256, pairs->es256_private, NULL));

    /* The length given bounds the private PEM: half of it does not parse. */
    assert_null(lk_signing_key_create("es", LK_ALG_ES256, pairs->es256_public,
                                      pairs->es256_private, strlen(pairs->es256_private) / 2));
    free(truncated);
}

static void create_rejects_encrypted_private_key(void **state)
{
    struct key_pairs *pairs = *state;
    BIO *input = BIO_new_mem_buf(pairs->es256_private, -1);
    BIO *output = BIO_new(BIO_s_mem());
    EVP_PKEY *private_key = PEM_read_bio_PrivateKey(input, NULL, NULL, NULL);
    char *data = NULL;
    char *encrypted;
    long length;

    /* Parsing must fail instead of prompting for the passphrase on the terminal. */
    assert_non_null(private_key);
    assert_int_equal(PEM_write_bio_PKCS8PrivateKey(output, private_key, EVP_aes_256_cbc(), NULL,
                                                   0, NULL, "passphrase"),
                     1);
    length = BIO_get_mem_data(output, &data);
    encrypted = strndup(data, (size_t)length);
    assert_non_null(strstr(encrypted, "ENCRYPTED PRIVATE KEY"));
    assert_null(create_key("es", LK_ALG_ES256, pairs->es256_public, encrypted));

    free(encrypted);
    EVP_PKEY_free(private_key);
    BIO_free(input);
    BIO_free(output);
}

static void create_checks_kid_length(void **state)
{
    struct key_pairs *pairs = *state;
    char kid[LK_KID_MAX_LENGTH + 2];
    lk_signing_key_t *key;

    memset(kid, 'k', sizeof(kid) - 1);
    kid[sizeof(kid) - 1] = '\0';
    assert_null(create_key(kid, LK_ALG_ES256, pairs->es256_public, NULL));
    assert_null(create_key("", LK_ALG_ES256, pairs->es256_public, NULL));
    assert_null(create_key(NULL, LK_ALG_ES256, pairs->es256_public, NULL));

    kid[LK_KID_MAX_LENGTH] = '\0';
    key = create_key(kid, LK_ALG_ES256, pairs->es256_public, NULL);
    assert_non_null(key);
    assert_string_equal(key->kid, kid);
    lk_signing_key_destroy(key);
}

static void thumbprint_rfc7638_known_answer(void **state)
{
    char *pem = rsa_public_pem(RFC7638_N, RFC7638_E);
    char kid[LK_KID_MAX_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_RS256, pem, kid), 0);
    assert_string_equal(kid, RFC7638_THUMBPRINT);
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_ES256, pem, kid), -1);
    free(pem);
}

static void thumbprint_identifies_es256_key(void **state)
{
    struct key_pairs *pairs = *state;
    char first[LK_KID_MAX_LENGTH + 1];
    char again[LK_KID_MAX_LENGTH + 1];
    char other[LK_KID_MAX_LENGTH + 1];

    assert_int_equal(lk_jwk_thumbprint(LK_ALG_ES256, pairs->es256_public, first), 0);
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_ES256, pairs->es256_public, again), 0);
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_ES256, pairs->es256_other_public, other), 0);
    assert_int_equal(strlen(first), 43);
    assert_string_equal(first, again);
    assert_string_not_equal(first, other);
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_RS256, pairs->es256_public, first), -1);
    assert_int_equal(lk_jwk_thumbprint(LK_ALG_ES256, "not a key", first), -1);
}

static void public_jwk_es256_members(void **state)
{
    struct key_pairs *pairs = *state;
    lk_signing_key_t *key = create_key("es-kid", LK_ALG_ES256, pairs->es256_public,
                                       pairs->es256_private);
    const json_t *jwk;

    assert_non_null(key);
    jwk = key->public_jwk;
    assert_int_equal(json_object_size(jwk), 7);
    assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "EC");
    assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "P-256");
    assert_int_equal(strlen(json_string_value(json_object_get(jwk, "x"))), 43);
    assert_int_equal(strlen(json_string_value(json_object_get(jwk, "y"))), 43);
    assert_string_equal(json_string_value(json_object_get(jwk, "kid")), "es-kid");
    assert_string_equal(json_string_value(json_object_get(jwk, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(jwk, "use")), "sig");
    assert_null(json_object_get(jwk, "d"));
    lk_signing_key_destroy(key);
}

static void public_jwk_rs256_members(void **state)
{
    static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi"};
    struct key_pairs *pairs = *state;
    lk_signing_key_t *key = create_key("rs-kid", LK_ALG_RS256, pairs->rs256_public,
                                       pairs->rs256_private);
    const json_t *jwk;

    assert_non_null(key);
    jwk = key->public_jwk;
    assert_int_equal(json_object_size(jwk), 6);
    assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "RSA");
    assert_string_equal(json_string_value(json_object_get(jwk, "e")), "AQAB");
    assert_int_equal(strlen(json_string_value(json_object_get(jwk, "n"))), 512);
    assert_string_equal(json_string_value(json_object_get(jwk, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(jwk, "use")), "sig");
    for (size_t i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++) {
        assert_null(json_object_get(jwk, private_members[i]));
    }
    lk_signing_key_destroy(key);
}

static void public_jwk_keeps_known_coordinates(void **state)
{
    char *ec_pem = ec_public_pem(RFC7515_X, RFC7515_Y);
    char *rsa_pem = rsa_public_pem(RFC7638_N, RFC7638_E);
    lk_signing_key_t *ec = create_key("ec", LK_ALG_ES256, ec_pem, NULL);
    lk_signing_key_t *rsa = create_key("rsa", LK_ALG_RS256, rsa_pem, NULL);

    (void)state;
    assert_non_null(ec);
    assert_non_null(rsa);
    assert_string_equal(json_string_value(json_object_get(ec->public_jwk, "x")), RFC7515_X);
    assert_string_equal(json_string_value(json_object_get(ec->public_jwk, "y")), RFC7515_Y);
    assert_string_equal(json_string_value(json_object_get(rsa->public_jwk, "n")), RFC7638_N);
    assert_string_equal(json_string_value(json_object_get(rsa->public_jwk, "e")), RFC7638_E);
    lk_signing_key_destroy(ec);
    lk_signing_key_destroy(rsa);
    free(ec_pem);
    free(rsa_pem);
}

static void free_functions_accept_null(void **state)
{
    (void)state;
    lk_signing_key_destroy(NULL);
    lk_secret_string_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alg_names_round_trip),
        cmocka_unit_test(alg_parse_rejects_others),
        cmocka_unit_test(keypair_writes_pkcs8_and_spki),
        cmocka_unit_test(es256_sign_verify_round_trip),
        cmocka_unit_test(rs256_sign_verify_round_trip),
        cmocka_unit_test(es256_verify_detects_tampering),
        cmocka_unit_test(rs256_verify_detects_tampering),
        cmocka_unit_test(es256_verify_rejects_der_signature),
        cmocka_unit_test(es256_verify_rfc7515_example),
        cmocka_unit_test(sign_requires_private_half),
        cmocka_unit_test(sign_rejects_short_buffer),
        cmocka_unit_test(create_rejects_mismatched_private_half),
        cmocka_unit_test(create_rejects_wrong_algorithm),
        cmocka_unit_test(create_rejects_weak_rsa_and_other_curves),
        cmocka_unit_test(create_rejects_invalid_pem),
        cmocka_unit_test(create_rejects_encrypted_private_key),
        cmocka_unit_test(create_checks_kid_length),
        cmocka_unit_test(thumbprint_rfc7638_known_answer),
        cmocka_unit_test(thumbprint_identifies_es256_key),
        cmocka_unit_test(public_jwk_es256_members),
        cmocka_unit_test(public_jwk_rs256_members),
        cmocka_unit_test(public_jwk_keeps_known_coordinates),
        cmocka_unit_test(free_functions_accept_null),
    };

    return cmocka_run_group_tests(tests, generate_keys, free_keys);
}
