/* Public keys as JWK members (RFC 7518 section 6) and their RFC 7638 thumbprints. */
#include "keys/jwk.h"

#include "crypto/base64url.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define LK_EC_COORDINATE_BYTES 32
#define LK_RSA_MIN_BITS 2048

int lk_key_check_alg(lk_jwt_alg_t alg, const EVP_PKEY *key)
{
    char group[64];
    size_t group_length = 0;

    switch (alg) {
    case LK_ALG_ES256:
        if (!EVP_PKEY_is_a(key, "EC") ||
            EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                           &group_length) != 1) {
            return -1;
        }
        /* OpenSSL 3.0 names the curve "prime256v1"; "P-256" is its NIST name. */
        if (OBJ_sn2nid(group) == NID_X9_62_prime256v1 || strcmp(group, "P-256") == 0) {
            return 0;
        }
        return -1;
    case LK_ALG_RS256:
        /* "RSA" excludes RSA-PSS keys, which cannot make PKCS#1 v1.5 signatures. */
        if (!EVP_PKEY_is_a(key, "RSA")) {
            return -1;
        }
        return EVP_PKEY_get_bits(key) >= LK_RSA_MIN_BITS ? 0 : -1;
    }
    return -1;
}

int lk_pem_reject_passphrase(char *buffer, int size, int rwflag, void *user_data)
{
    (void)buffer;
    (void)size;
    (void)rwflag;
    (void)user_data;
    return -1;
}

EVP_PKEY *lk_public_key_read(lk_jwt_alg_t alg, const char *public_pem)
{
    BIO *bio;
    EVP_PKEY *key;

    if (public_pem == NULL) {
        return NULL;
    }
    bio = BIO_new_mem_buf(public_pem, -1);
    if (bio == NULL) {
        return NULL;
    }
    key = PEM_read_bio_PUBKEY(bio, NULL, lk_pem_reject_passphrase, NULL);
    BIO_free(bio);

    if (key == NULL || lk_key_check_alg(alg, key) != 0) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        return NULL;
    }
    return key;
}

/*
 * Returns a new JSON string with the base64url big-endian bytes of one integer parameter of
 * `key`, left-padded with zeros to `padded_length` bytes, or in its minimal length when
 * `padded_length` is 0. Returns NULL on failure.
 */
static json_t *integer_param_to_json(const EVP_PKEY *key, const char *name, int padded_length)
{
    BIGNUM *number = NULL;
    uint8_t *bytes = NULL;
    char *text = NULL;
    json_t *value = NULL;
    size_t text_size;
    int length;

    if (EVP_PKEY_get_bn_param(key, name, &number) != 1) {
        goto done;
    }
    length = padded_length > 0 ? padded_length : BN_num_bytes(number);
    if (length <= 0) {
        goto done;
    }
    text_size = lk_base64url_encoded_size((size_t)length);
    bytes = malloc((size_t)length);
    text = malloc(text_size);
    if (bytes == NULL || text == NULL || BN_bn2binpad(number, bytes, length) != length) {
        goto done;
    }
    if (lk_base64url_encode(text, text_size, bytes, (size_t)length) == 0) {
        value = json_string(text);
    }

done:
    BN_free(number);
    free(bytes);
    free(text);
    ERR_clear_error();
    return value;
}

json_t *lk_jwk_required_members(lk_jwt_alg_t alg, const EVP_PKEY *key)
{
    json_t *jwk = json_object();
    int failed;

    if (jwk == NULL) {
        return NULL;
    }

    /* json_object_set_new fails, and takes nothing, when the value is NULL. */
    if (alg == LK_ALG_ES256) {
        failed = json_object_set_new(jwk, "crv", json_string("P-256")) |
                 json_object_set_new(jwk, "kty", json_string("EC")) |
                 json_object_set_new(jwk, "x",
                                     integer_param_to_json(key, OSSL_PKEY_PARAM_EC_PUB_X,
                                                           LK_EC_COORDINATE_BYTES)) |
                 json_object_set_new(jwk, "y",
                                     integer_param_to_json(key, OSSL_PKEY_PARAM_EC_PUB_Y,
                                                           LK_EC_COORDINATE_BYTES));
    } else if (alg == LK_ALG_RS256) {
        failed = json_object_set_new(jwk, "e",
                                     integer_param_to_json(key, OSSL_PKEY_PARAM_RSA_E, 0)) |
                 json_object_set_new(jwk, "kty", json_string("RSA")) |
                 json_object_set_new(jwk, "n",
                                     integer_param_to_json(key, OSSL_PKEY_PARAM_RSA_N, 0));
    } else {
        failed = -1;
    }

    if (failed != 0) {
        json_decref(jwk);
        return NULL;
    }
    return jwk;
}

/*
 * Computes the thumbprint: SHA-256 over the members in lexicographic order, without
 * whitespace, which is what jansson writes with JSON_COMPACT | JSON_SORT_KEYS. The member
 * values are fixed names and base64url text, so no escaping differs between encoders.
 */
int lk_jwk_thumbprint(lk_jwt_alg_t alg, const char *public_pem, char kid[LK_KID_MAX_LENGTH + 1])
{
    uint8_t digest[crypto_hash_sha256_BYTES];
    EVP_PKEY *key;
    json_t *members = NULL;
    char *canonical = NULL;
    int result = -1;

    key = lk_public_key_read(alg, public_pem);
    if (key == NULL) {
        return -1;
    }
    members = lk_jwk_required_members(alg, key);
    if (members != NULL) {
        canonical = json_dumps(members, JSON_COMPACT | JSON_SORT_KEYS);
    }
    if (canonical != NULL) {
        crypto_hash_sha256(digest, (const uint8_t *)canonical, strlen(canonical));
        result = lk_base64url_encode(kid, LK_KID_MAX_LENGTH + 1, digest, sizeof(digest));
    }

    free(canonical);
    json_decref(members);
    EVP_PKEY_free(key);
    return result;
}
