/*
 * One signing key: its id, its pinned algorithm, the parsed OpenSSL key objects and its
 * public JWK. Keys are parsed once, when the key ring is loaded, and never again per request.
 */
#ifndef LK_KEYS_SIGNING_KEY_H
#define LK_KEYS_SIGNING_KEY_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lk_jwt_alg {
    LK_ALG_ES256 = 0, /* ECDSA P-256 with SHA-256, the default */
    LK_ALG_RS256 = 1, /* RSASSA-PKCS1-v1_5 with SHA-256, keys of at least 2048 bits */
} lk_jwt_alg_t;

#define LK_KID_MAX_LENGTH 64
#define LK_RSA_KEY_BITS 3072

/* Returns "ES256" or "RS256". */
const char *lk_jwt_alg_name(lk_jwt_alg_t alg);

/* Parses "ES256" or "RS256" (exact case). Returns 0, or -1 for anything else. */
__attribute__((warn_unused_result)) int lk_jwt_alg_parse(const char *text, lk_jwt_alg_t *alg);

typedef struct lk_signing_key {
    char kid[LK_KID_MAX_LENGTH + 1];
    lk_jwt_alg_t alg;
    EVP_PKEY *public_key;  /* always set */
    EVP_PKEY *private_key; /* NULL when only the public half was loaded */
    json_t *public_jwk;    /* {"kty","crv","x","y" | "n","e","kid","alg","use":"sig"} */
} lk_signing_key_t;

/*
 * Generates a key pair for `alg` (P-256, or RSA of LK_RSA_KEY_BITS bits) and returns the
 * PKCS#8 private key PEM and SubjectPublicKeyInfo public key PEM as malloc'ed text. The
 * caller wipes and frees the private PEM with lk_secret_string_free. Returns 0 or -1.
 */
__attribute__((warn_unused_result)) int lk_keypair_generate(lk_jwt_alg_t alg, char **private_pem,
                                                            char **public_pem);

/* Wipes and frees a malloc'ed secret string. Accepts NULL. */
void lk_secret_string_free(char *secret);

/*
 * Computes the RFC 7638 JWK thumbprint (base64url SHA-256) of a public key PEM, used as the
 * key id. Fills `kid` (LK_KID_MAX_LENGTH + 1 bytes). Returns 0, or -1 for an invalid PEM
 * or a key that does not match `alg`.
 */
__attribute__((warn_unused_result)) int lk_jwk_thumbprint(lk_jwt_alg_t alg, const char *public_pem,
                                                          char kid[LK_KID_MAX_LENGTH + 1]);

/*
 * Parses a key. `private_pem` may be NULL (verification only); when given, it must be the
 * private half of `public_pem`. Checks that the key type and size match `alg` (P-256 for
 * ES256, RSA of at least 2048 bits for RS256). Returns a new key that the caller releases
 * with lk_signing_key_destroy, or NULL.
 */
__attribute__((warn_unused_result)) lk_signing_key_t *lk_signing_key_create(
    const char *kid, lk_jwt_alg_t alg, const char *public_pem, const char *private_pem,
    size_t private_pem_length);

/* Frees the key and its OpenSSL objects. Accepts NULL. */
void lk_signing_key_destroy(lk_signing_key_t *key);

/*
 * Signs `length` bytes with the key's private half and pinned algorithm, writing the JWS
 * signature (raw r||s for ES256, 64 bytes; PKCS#1 v1.5 for RS256) into `signature` and its
 * length into `signature_length`. Returns 0, or -1 (also when the private half is absent).
 */
__attribute__((warn_unused_result)) int lk_signing_key_sign(const lk_signing_key_t *key,
                                                            const uint8_t *data, size_t length,
                                                            uint8_t *signature,
                                                            size_t signature_size,
                                                            size_t *signature_length);

/* Checks a JWS signature made with the key's pinned algorithm. Returns 1 valid, 0 invalid. */
int lk_signing_key_verify(const lk_signing_key_t *key, const uint8_t *data, size_t length,
                          const uint8_t *signature, size_t signature_length);

#endif
