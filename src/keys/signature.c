/*
 * JWS signatures with a key's pinned algorithm. OpenSSL writes ECDSA signatures as DER
 * sequences, while JWS ES256 (RFC 7518 section 3.4) uses the fixed 64-byte r || s form,
 * so the two are converted here.
 */
#include "keys/signing_key.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#define LK_ES256_SCALAR_BYTES 32
#define LK_ES256_SIGNATURE_BYTES 64
/* A DER ECDSA-Sig-Value of two 256-bit integers takes at most 72 bytes. */
#define LK_ES256_DER_MAX 80

/* Converts a DER ECDSA signature to r || s. Returns 0, or -1 for malformed DER. */
static int der_to_raw(const uint8_t *der, size_t der_length,
                      uint8_t raw[LK_ES256_SIGNATURE_BYTES])
{
    const unsigned char *cursor = der;
    ECDSA_SIG *signature = d2i_ECDSA_SIG(NULL, &cursor, (long)der_length);
    const BIGNUM *r = NULL;
    const BIGNUM *s = NULL;
    int result = -1;

    if (signature == NULL) {
        return -1;
    }
    ECDSA_SIG_get0(signature, &r, &s);
    if (BN_bn2binpad(r, raw, LK_ES256_SCALAR_BYTES) == LK_ES256_SCALAR_BYTES &&
        BN_bn2binpad(s, raw + LK_ES256_SCALAR_BYTES, LK_ES256_SCALAR_BYTES) ==
            LK_ES256_SCALAR_BYTES) {
        result = 0;
    }
    ECDSA_SIG_free(signature);
    return result;
}

/* Converts r || s to DER in `der`. Returns the DER length, or -1. */
static int raw_to_der(const uint8_t raw[LK_ES256_SIGNATURE_BYTES], uint8_t der[LK_ES256_DER_MAX])
{
    ECDSA_SIG *signature = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, LK_ES256_SCALAR_BYTES, NULL);
    BIGNUM *s = BN_bin2bn(raw + LK_ES256_SCALAR_BYTES, LK_ES256_SCALAR_BYTES, NULL);
    unsigned char *cursor = der;
    int length = -1;

    if (signature == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(signature, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(signature);
        return -1;
    }

    /* The signature now owns r and s. */
    if (i2d_ECDSA_SIG(signature, NULL) <= LK_ES256_DER_MAX) {
        length = i2d_ECDSA_SIG(signature, &cursor);
    }
    ECDSA_SIG_free(signature);
    return length;
}

/* Sets up a context for SHA-256 signing or verification with PKCS#1 v1.5 padding for RSA. */
static EVP_MD_CTX *start_digest(const lk_signing_key_t *key, EVP_PKEY *pkey, int signing)
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pkey_context = NULL;
    int ready;

    if (context == NULL) {
        return NULL;
    }
    if (signing) {
        ready = EVP_DigestSignInit(context, &pkey_context, EVP_sha256(), NULL, pkey);
    } else {
        ready = EVP_DigestVerifyInit(context, &pkey_context, EVP_sha256(), NULL, pkey);
    }
    if (ready == 1 && key->alg == LK_ALG_RS256) {
        ready = EVP_PKEY_CTX_set_rsa_padding(pkey_context, RSA_PKCS1_PADDING);
    }
    if (ready != 1) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    return context;
}

int lk_signing_key_sign(const lk_signing_key_t *key, const uint8_t *data, size_t length,
                        uint8_t *signature, size_t signature_size, size_t *signature_length)
{
    uint8_t der[LK_ES256_DER_MAX];
    size_t output_length;
    EVP_MD_CTX *context;
    int result = -1;

    *signature_length = 0;
    if (key == NULL || key->private_key == NULL) {
        return -1;
    }
    context = start_digest(key, key->private_key, 1);
    if (context == NULL) {
        ERR_clear_error();
        return -1;
    }

    /* ES256 signs into a DER buffer first, RS256 straight into the caller's buffer. */
    if (key->alg == LK_ALG_ES256) {
        output_length = sizeof(der);
        if (signature_size >= LK_ES256_SIGNATURE_BYTES &&
            EVP_DigestSign(context, der, &output_length, data, length) == 1 &&
            der_to_raw(der, output_length, signature) == 0) {
            *signature_length = LK_ES256_SIGNATURE_BYTES;
            result = 0;
        }
    } else {
        output_length = signature_size;
        if (signature_size >= (size_t)EVP_PKEY_get_size(key->private_key) &&
            EVP_DigestSign(context, signature, &output_length, data, length) == 1) {
            *signature_length = output_length;
            result = 0;
        }
    }

    EVP_MD_CTX_free(context);
    ERR_clear_error();
    return result;
}

int lk_signing_key_verify(const lk_signing_key_t *key, const uint8_t *data, size_t length,
                          const uint8_t *signature, size_t signature_length)
{
    uint8_t der[LK_ES256_DER_MAX];
    const uint8_t *checked = signature;
    size_t checked_length = signature_length;
    EVP_MD_CTX *context;
    int valid;

    if (key == NULL || key->public_key == NULL) {
        return 0;
    }

    /* ES256 takes exactly 64 bytes; a DER signature or any other length is invalid. */
    if (key->alg == LK_ALG_ES256) {
        int der_length;

        if (signature_length != LK_ES256_SIGNATURE_BYTES) {
            return 0;
        }
        der_length = raw_to_der(signature, der);
        if (der_length <= 0) {
            ERR_clear_error();
            return 0;
        }
        checked = der;
        checked_length = (size_t)der_length;
    }

    context = start_digest(key, key->public_key, 0);
    if (context == NULL) {
        ERR_clear_error();
        return 0;
    }
    valid = EVP_DigestVerify(context, checked, checked_length, data, length) == 1;
    EVP_MD_CTX_free(context);
    ERR_clear_error();
    return valid;
}
