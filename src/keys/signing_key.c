/* Signing keys: algorithm names, parsing PEM once into OpenSSL objects, and the public JWK. */
#include "keys/signing_key.h"

#include "keys/jwk.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

const char *lk_jwt_alg_name(lk_jwt_alg_t alg)
{
    switch (alg) {
    case LK_ALG_ES256:
        return "ES256";
    case LK_ALG_RS256:
        return "RS256";
    }
    return "unknown";
}

int lk_jwt_alg_parse(const char *text, lk_jwt_alg_t *alg)
{
    if (text == NULL) {
        return -1;
    }
    if (strcmp(text, "ES256") == 0) {
        *alg = LK_ALG_ES256;
        return 0;
    }
    if (strcmp(text, "RS256") == 0) {
        *alg = LK_ALG_RS256;
        return 0;
    }
    return -1;
}

/*
 * Parses the private key PEM and checks that it is the private half of `public_key`.
 * Returns the new key, or NULL.
 */
static EVP_PKEY *read_matching_private_key(const EVP_PKEY *public_key, const char *private_pem,
                                           size_t private_pem_length)
{
    BIO *bio;
    EVP_PKEY *private_key;

    if (private_pem_length == 0 || private_pem_length > INT_MAX) {
        return NULL;
    }
    bio = BIO_new_mem_buf(private_pem, (int)private_pem_length);
    if (bio == NULL) {
        return NULL;
    }
    private_key = PEM_read_bio_PrivateKey(bio, NULL, lk_pem_reject_passphrase, NULL);
    BIO_free(bio);

    /* EVP_PKEY_eq compares the public components and the domain parameters. */
    if (private_key == NULL || EVP_PKEY_eq(public_key, private_key) != 1) {
        EVP_PKEY_free(private_key);
        ERR_clear_error();
        return NULL;
    }
    return private_key;
}

/* Builds the published JWK: the RFC 7638 members plus kid, alg and use. */
static json_t *build_public_jwk(const lk_signing_key_t *key)
{
    json_t *jwk = lk_jwk_required_members(key->alg, key->public_key);

    if (jwk == NULL) {
        return NULL;
    }
    if (json_object_set_new(jwk, "kid", json_string(key->kid)) != 0 ||
        json_object_set_new(jwk, "alg", json_string(lk_jwt_alg_name(key->alg))) != 0 ||
        json_object_set_new(jwk, "use", json_string("sig")) != 0) {
        json_decref(jwk);
        return NULL;
    }
    return jwk;
}

lk_signing_key_t *lk_signing_key_create(const char *kid, lk_jwt_alg_t alg,
                                        const char *public_pem, const char *private_pem,
                                        size_t private_pem_length)
{
    lk_signing_key_t *key;
    size_t kid_length;

    if (kid == NULL || (alg != LK_ALG_ES256 && alg != LK_ALG_RS256)) {
        return NULL;
    }
    kid_length = strlen(kid);
    if (kid_length == 0 || kid_length > LK_KID_MAX_LENGTH) {
        return NULL;
    }
    key = calloc(1, sizeof(*key));
    if (key == NULL) {
        return NULL;
    }
    memcpy(key->kid, kid, kid_length + 1);
    key->alg = alg;

    key->public_key = lk_public_key_read(alg, public_pem);
    if (key->public_key == NULL) {
        goto failed;
    }
    if (private_pem != NULL) {
        key->private_key =
            read_matching_private_key(key->public_key, private_pem, private_pem_length);
        if (key->private_key == NULL) {
            goto failed;
        }
    }
    key->public_jwk = build_public_jwk(key);
    if (key->public_jwk == NULL) {
        goto failed;
    }
    return key;

failed:
    lk_signing_key_destroy(key);
    return NULL;
}

void lk_signing_key_destroy(lk_signing_key_t *key)
{
    if (key == NULL) {
        return;
    }
    EVP_PKEY_free(key->public_key);
    EVP_PKEY_free(key->private_key);
    json_decref(key->public_jwk);
    free(key);
}
