/*
 * Helpers for taking compact JWS tokens apart and building altered ones in the
 * integration tests. They never need a private key: altered tokens keep a real signature
 * or carry one made with a key the test controls.
 */
#ifndef LK_TEST_TOKEN_PARTS_H
#define LK_TEST_TOKEN_PARTS_H

#include <stddef.h>

#include <jansson.h>

/* Decodes segment INDEX (0 header, 1 payload) of TOKEN as a JSON object, failing the test
 * if it is not one. The caller owns the result. */
json_t *lk_test_token_segment_json(const char *token, int index);

/* Returns a copy of segment INDEX (0 header, 1 payload, 2 signature) of TOKEN. */
char *lk_test_token_segment(const char *token, int index);

/* Returns the unpadded base64url encoding of LENGTH bytes at DATA. */
char *lk_test_base64url_encode(const void *data, size_t length);

/* Returns the unpadded base64url encoding of the compact JSON text of OBJECT. */
char *lk_test_base64url_json(const json_t *object);

/* Returns "HEADER.PAYLOAD.SIGNATURE" from three already encoded segments. */
char *lk_test_token_join(const char *header, const char *payload, const char *signature);

/* Returns the PEM (SubjectPublicKeyInfo) text of the P-256 public key in the JWK members
 * "x" and "y" of JWK, failing the test if they do not form a valid point. */
char *lk_test_pem_from_ec_jwk(const json_t *jwk);

/* Returns the HS256 token for HEADER_SEGMENT.PAYLOAD_SEGMENT with SECRET as the HMAC key. */
char *lk_test_sign_hs256(const char *header_segment, const char *payload_segment,
                         const void *secret, size_t secret_length);

#endif
