/* Unit tests for src/keys/keyring.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>

#include "crypto/base64url.h"
#include "keys/keyring.h"

#define KEY_COUNT 3
#define RELEASE_THREADS 4
#define RELEASE_ROUNDS 10000

struct key_pair {
    char *private_pem;
    char *public_pem;
    char kid[LK_KID_MAX_LENGTH + 1];
};

static int generate_keys(void **state)
{
    struct key_pair *pairs = calloc(KEY_COUNT, sizeof(*pairs));

    if (pairs == NULL) {
        return -1;
    }
    for (size_t i = 0; i < KEY_COUNT; i++) {
        if (lk_keypair_generate(LK_ALG_ES256, &pairs[i].private_pem, &pairs[i].public_pem) != 0 ||
            lk_jwk_thumbprint(LK_ALG_ES256, pairs[i].public_pem, pairs[i].kid) != 0) {
            return -1;
        }
    }
    *state = pairs;
    return 0;
}

static int free_keys(void **state)
{
    struct key_pair *pairs = *state;

    for (size_t i = 0; i < KEY_COUNT; i++) {
        lk_secret_string_free(pairs[i].private_pem);
        free(pairs[i].public_pem);
    }
    free(pairs);
    return 0;
}

/* Parses key pair `pair`, with its private half when `with_private` is true. */
static lk_signing_key_t *make_key(const struct key_pair *pair, bool with_private)
{
    lk_signing_key_t *key = lk_signing_key_create(
        pair->kid, LK_ALG_ES256, pair->public_pem, with_private ? pair->private_pem : NULL,
        with_private ? strlen(pair->private_pem) : 0);

    assert_non_null(key);
    return key;
}

/* Builds a frozen ring of every key pair, the first one active. */
static lk_keyring_t *make_ring(const struct key_pair *pairs)
{
    lk_keyring_t *ring = lk_keyring_create();

    assert_non_null(ring);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[0], true), true), 0);
    for (size_t i = 1; i < KEY_COUNT; i++) {
        assert_int_equal(lk_keyring_add(ring, make_key(&pairs[i], false), false), 0);
    }
    assert_int_equal(lk_keyring_freeze(ring), 0);
    return ring;
}

static void ring_finds_keys_by_kid(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = make_ring(pairs);

    assert_int_equal(lk_keyring_count(ring), KEY_COUNT);
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const lk_signing_key_t *key = lk_keyring_find(ring, pairs[i].kid);

        assert_non_null(key);
        assert_string_equal(key->kid, pairs[i].kid);
    }
    assert_null(lk_keyring_find(ring, "unknown"));
    assert_null(lk_keyring_find(ring, ""));
    assert_null(lk_keyring_find(ring, NULL));
    assert_ptr_equal(lk_keyring_active(ring), lk_keyring_find(ring, pairs[0].kid));
    lk_keyring_release(ring);
}

static void ring_without_active_key(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = lk_keyring_create();

    assert_non_null(ring);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[0], false), false), 0);
    assert_int_equal(lk_keyring_freeze(ring), 0);
    assert_null(lk_keyring_active(ring));
    assert_int_equal(lk_keyring_count(ring), 1);
    lk_keyring_release(ring);
}

static void add_rejects_duplicate_kid(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = lk_keyring_create();

    assert_non_null(ring);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[0], false), false), 0);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[0], true), false), -1);
    assert_int_equal(lk_keyring_count(ring), 1);
    lk_keyring_release(ring);
}

static void add_rejects_second_active_key(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = lk_keyring_create();

    assert_non_null(ring);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[0], true), true), 0);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[1], true), true), -1);
    assert_int_equal(lk_keyring_count(ring), 1);
    assert_string_equal(lk_keyring_active(ring)->kid, pairs[0].kid);
    lk_keyring_release(ring);
}

static void add_rejects_active_without_private(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = lk_keyring_create();

    assert_non_null(ring);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[0], false), true), -1);
    assert_int_equal(lk_keyring_count(ring), 0);
    assert_null(lk_keyring_active(ring));
    lk_keyring_release(ring);
}

static void add_rejects_after_freeze(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = lk_keyring_create();

    assert_non_null(ring);
    assert_int_equal(lk_keyring_freeze(ring), 0);
    assert_int_equal(lk_keyring_add(ring, make_key(&pairs[0], false), false), -1);
    assert_int_equal(lk_keyring_freeze(ring), -1);
    assert_int_equal(lk_keyring_count(ring), 0);
    lk_keyring_release(ring);
}

static void add_rejects_null_key(void **state)
{
    lk_keyring_t *ring = lk_keyring_create();

    (void)state;
    assert_non_null(ring);
    assert_int_equal(lk_keyring_add(ring, NULL, false), -1);
    lk_keyring_release(ring);
}

static void jwks_lists_public_keys(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = make_ring(pairs);
    size_t length = 0;
    const char *text = lk_keyring_jwks(ring, &length);
    json_error_t error;
    json_t *document;
    json_t *keys;

    assert_non_null(text);
    assert_int_equal(length, strlen(text));
    assert_null(strpbrk(text, " \n"));
    document = json_loadb(text, length, JSON_REJECT_DUPLICATES, &error);
    assert_non_null(document);
    assert_int_equal(json_object_size(document), 1);
    keys = json_object_get(document, "keys");
    assert_int_equal(json_array_size(keys), KEY_COUNT);
    for (size_t i = 0; i < KEY_COUNT; i++) {
        json_t *jwk = json_array_get(keys, i);

        assert_string_equal(json_string_value(json_object_get(jwk, "kid")), pairs[i].kid);
        assert_null(json_object_get(jwk, "d"));
    }
    json_decref(document);
    lk_keyring_release(ring);
}

static void jwks_of_empty_ring(void **state)
{
    lk_keyring_t *ring = lk_keyring_create();
    size_t length = 0;

    (void)state;
    assert_non_null(ring);
    assert_int_equal(lk_keyring_freeze(ring), 0);
    assert_string_equal(lk_keyring_jwks(ring, &length), "{\"keys\":[]}");
    assert_int_equal(length, 11);
    lk_keyring_release(ring);
}

static void etag_is_digest_prefix(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = make_ring(pairs);
    size_t length = 0;
    const char *text = lk_keyring_jwks(ring, &length);
    uint8_t digest[crypto_hash_sha256_BYTES];
    char expected[32];

    crypto_hash_sha256(digest, (const uint8_t *)text, length);
    expected[0] = '"';
    assert_int_equal(lk_base64url_encode(expected + 1, sizeof(expected) - 1, digest, 12), 0);
    strcat(expected, "\"");
    assert_string_equal(lk_keyring_jwks_etag(ring), expected);
    assert_int_equal(strlen(expected), 18);
    lk_keyring_release(ring);
}

static void etag_is_stable_and_distinct(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *first = make_ring(pairs);
    lk_keyring_t *second = make_ring(pairs);
    lk_keyring_t *smaller = lk_keyring_create();

    assert_non_null(smaller);
    assert_int_equal(lk_keyring_add(smaller, make_key(&pairs[0], true), true), 0);
    assert_int_equal(lk_keyring_freeze(smaller), 0);

    assert_string_equal(lk_keyring_jwks(first, NULL), lk_keyring_jwks(second, NULL));
    assert_string_equal(lk_keyring_jwks_etag(first), lk_keyring_jwks_etag(second));
    assert_string_not_equal(lk_keyring_jwks_etag(first), lk_keyring_jwks_etag(smaller));
    lk_keyring_release(first);
    lk_keyring_release(second);
    lk_keyring_release(smaller);
}

static void retain_keeps_ring_alive(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = make_ring(pairs);

    /* Under AddressSanitizer, a ring freed one release early fails the lookup below. */
    assert_ptr_equal(lk_keyring_retain(ring), ring);
    lk_keyring_release(ring);
    assert_non_null(lk_keyring_find(ring, pairs[1].kid));
    lk_keyring_release(ring);
    lk_keyring_release(NULL);
}

static void *retain_and_release(void *argument)
{
    lk_keyring_t *ring = argument;

    for (int round = 0; round < RELEASE_ROUNDS; round++) {
        lk_keyring_release(lk_keyring_retain(ring));
    }
    lk_keyring_release(ring);
    return NULL;
}

static void references_are_atomic(void **state)
{
    struct key_pair *pairs = *state;
    lk_keyring_t *ring = make_ring(pairs);
    pthread_t threads[RELEASE_THREADS];

    /* Each thread owns one reference and drops it at the end; the test drops its own last. */
    for (int i = 0; i < RELEASE_THREADS; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, retain_and_release,
                                        lk_keyring_retain(ring)),
                         0);
    }
    for (int i = 0; i < RELEASE_THREADS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    }
    assert_non_null(lk_keyring_find(ring, pairs[0].kid));
    lk_keyring_release(ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ring_finds_keys_by_kid),
        cmocka_unit_test(ring_without_active_key),
        cmocka_unit_test(add_rejects_duplicate_kid),
        cmocka_unit_test(add_rejects_second_active_key),
        cmocka_unit_test(add_rejects_active_without_private),
        cmocka_unit_test(add_rejects_after_freeze),
        cmocka_unit_test(add_rejects_null_key),
        cmocka_unit_test(jwks_lists_public_keys),
        cmocka_unit_test(jwks_of_empty_ring),
        cmocka_unit_test(etag_is_digest_prefix),
        cmocka_unit_test(etag_is_stable_and_distinct),
        cmocka_unit_test(retain_keeps_ring_alive),
        cmocka_unit_test(references_are_atomic),
    };

    return cmocka_run_group_tests(tests, generate_keys, free_keys);
}
