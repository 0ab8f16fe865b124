/* Unit tests for src/sessions/successor_seal.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "sessions/successor_seal.h"

/* The token of 32 zero bytes and the token of the bytes 0, 1, ..., 31. */
static const char zero_token[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
static const char counting_token[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
static const char parent_hash[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void hex_of(const uint8_t *bytes, size_t length, char *hex, size_t hex_size)
{
    sodium_bin2hex(hex, hex_size, bytes, length);
}

/* Expected values from Python's hashlib.blake2b(context, key=raw, digest_size=32). */
static void derive_known_answers(void **state)
{
    static const struct {
        const char *token;
        const char *key_hex;
    } cases[] = {
        {zero_token, "43c328174862ce1fdb5e8b7f55c2d8ceb866cf95fca7c1cff562f9480714a79a"},
        {counting_token, "2d4a7e90cc678ec3edbe292499f09dcff77d2515993f3d83f761e4f453af34ed"},
    };
    uint8_t key[LK_SUCCESSOR_KEY_BYTES];
    char hex[2 * LK_SUCCESSOR_KEY_BYTES + 1];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(lk_successor_key_derive(cases[i].token, strlen(cases[i].token), key), 0);
        hex_of(key, sizeof key, hex, sizeof hex);
        assert_string_equal(hex, cases[i].key_hex);
    }
}

static void derive_rejects_malformed_parent(void **state)
{
    static const char *const malformed[] = {
        "",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 characters */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* standard alphabet */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* non-zero unused bits */
    };
    uint8_t key[LK_SUCCESSOR_KEY_BYTES];

    (void)state;
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        assert_int_equal(lk_successor_key_derive(malformed[i], strlen(malformed[i]), key), -1);
    }
}

/* The key is not the token's storage digest, which the database holds. */
static void derive_differs_from_storage_hash(void **state)
{
    uint8_t key[LK_SUCCESSOR_KEY_BYTES];
    char key_hex[2 * LK_SUCCESSOR_KEY_BYTES + 1];
    char storage_hex[LK_TOKEN_HASH_HEX_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_successor_key_derive(counting_token, strlen(counting_token), key), 0);
    hex_of(key, sizeof key, key_hex, sizeof key_hex);
    lk_opaque_token_hash_hex(counting_token, strlen(counting_token), storage_hex);
    assert_string_not_equal(key_hex, storage_hex);
}

static void seal_then_open_returns_successor(void **state)
{
    char successor[LK_OPAQUE_TOKEN_LENGTH + 1];
    char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1];
    char opened[LK_OPAQUE_TOKEN_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_opaque_token_generate(successor), 0);
    assert_int_equal(lk_successor_seal(zero_token, strlen(zero_token), parent_hash, successor,
                                       sealed),
                     0);
    assert_int_equal(strlen(sealed), LK_SUCCESSOR_SEALED_LENGTH);
    assert_memory_equal(sealed, "v1.", 3);
    assert_null(strstr(sealed, successor));

    assert_int_equal(lk_successor_open(zero_token, strlen(zero_token), parent_hash, sealed,
                                       opened),
                     0);
    assert_string_equal(opened, successor);
}

static void seal_uses_fresh_nonce(void **state)
{
    char first[LK_SUCCESSOR_SEALED_LENGTH + 1];
    char second[LK_SUCCESSOR_SEALED_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_successor_seal(zero_token, strlen(zero_token), parent_hash,
                                       counting_token, first),
                     0);
    assert_int_equal(lk_successor_seal(zero_token, strlen(zero_token), parent_hash,
                                       counting_token, second),
                     0);
    assert_string_not_equal(first, second);
}

static void open_rejects_other_parent(void **state)
{
    char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1];
    char opened[LK_OPAQUE_TOKEN_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_successor_seal(zero_token, strlen(zero_token), parent_hash,
                                       counting_token, sealed),
                     0);
    assert_int_equal(lk_successor_open(counting_token, strlen(counting_token), parent_hash,
                                       sealed, opened),
                     -1);
    assert_string_equal(opened, "");
}

static void open_rejects_other_associated_data(void **state)
{
    char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1];
    char opened[LK_OPAQUE_TOKEN_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_successor_seal(zero_token, strlen(zero_token), parent_hash,
                                       counting_token, sealed),
                     0);
    assert_int_equal(lk_successor_open(zero_token, strlen(zero_token), "another row", sealed,
                                       opened),
                     -1);
    assert_string_equal(opened, "");
}

/* Flipping any one character of the sealed text makes it fail to open. */
static void open_rejects_altered_text(void **state)
{
    char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1];
    char altered[LK_SUCCESSOR_SEALED_LENGTH + 1];
    char opened[LK_OPAQUE_TOKEN_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_successor_seal(zero_token, strlen(zero_token), parent_hash,
                                       counting_token, sealed),
                     0);
    for (size_t i = 0; i < LK_SUCCESSOR_SEALED_LENGTH; i++) {
        memcpy(altered, sealed, sizeof altered);
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        assert_int_equal(lk_successor_open(zero_token, strlen(zero_token), parent_hash, altered,
                                           opened),
                         -1);
    }
}

static void open_rejects_malformed_text(void **state)
{
    static const char *const malformed[] = {
        "",
        "v1.",
        /* the right length with another version */
        "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        /* one character short */
        "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        /* the right length with padding */
        "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    };
    char opened[LK_OPAQUE_TOKEN_LENGTH + 1];

    (void)state;
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        assert_int_equal(lk_successor_open(zero_token, strlen(zero_token), parent_hash,
                                           malformed[i], opened),
                         -1);
    }
    assert_int_equal(lk_successor_open(zero_token, strlen(zero_token), parent_hash, NULL, opened),
                     -1);
}

static void seal_rejects_malformed_tokens(void **state)
{
    char sealed[LK_SUCCESSOR_SEALED_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_successor_seal("short", 5, parent_hash, counting_token, sealed), -1);
    assert_string_equal(sealed, "");
    assert_int_equal(lk_successor_seal(zero_token, strlen(zero_token), parent_hash, "short",
                                       sealed),
                     -1);
    assert_string_equal(sealed, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(derive_known_answers),
        cmocka_unit_test(derive_rejects_malformed_parent),
        cmocka_unit_test(derive_differs_from_storage_hash),
        cmocka_unit_test(seal_then_open_returns_successor),
        cmocka_unit_test(seal_uses_fresh_nonce),
        cmocka_unit_test(open_rejects_other_parent),
        cmocka_unit_test(open_rejects_other_associated_data),
        cmocka_unit_test(open_rejects_altered_text),
        cmocka_unit_test(open_rejects_malformed_text),
        cmocka_unit_test(seal_rejects_malformed_tokens),
    };

    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
