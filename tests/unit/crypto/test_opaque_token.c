/* Unit tests for src/crypto/opaque_token.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/opaque_token.h"

static void generate_has_token_shape(void **state)
{
    char token[LK_OPAQUE_TOKEN_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_opaque_token_generate(token), 0);
    assert_int_equal(strlen(token), LK_OPAQUE_TOKEN_LENGTH);
    assert_true(lk_opaque_token_is_well_formed(token, strlen(token)));
}

static void generate_differs_each_call(void **state)
{
    char first[LK_OPAQUE_TOKEN_LENGTH + 1];
    char second[LK_OPAQUE_TOKEN_LENGTH + 1];

    (void)state;
    assert_int_equal(lk_opaque_token_generate(first), 0);
    assert_int_equal(lk_opaque_token_generate(second), 0);
    assert_string_not_equal(first, second);
}

static void well_formed_rejects_bad_shapes(void **state)
{
    static const char *const malformed[] = {
        "",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 characters */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 characters */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  /* padding */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* standard alphabet */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ",  /* space */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* non-zero unused bits */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\x80", /* non-ASCII byte */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        assert_false(lk_opaque_token_is_well_formed(malformed[i], strlen(malformed[i])));
    }
    assert_false(lk_opaque_token_is_well_formed(NULL, LK_OPAQUE_TOKEN_LENGTH));
}

static void well_formed_accepts_url_alphabet(void **state)
{
    (void)state;
    assert_true(lk_opaque_token_is_well_formed("-_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE",
                                               LK_OPAQUE_TOKEN_LENGTH));
}

static void hash_hex_known_answers(void **state)
{
    char hex[LK_TOKEN_HASH_HEX_LENGTH + 1];

    (void)state;
    /* FIPS 180-2 SHA-256 examples. */
    lk_opaque_token_hash_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    lk_opaque_token_hash_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void constant_time_equal_compares_bytes(void **state)
{
    (void)state;
    assert_true(lk_constant_time_equal("abcdef", "abcdef", 6));
    assert_false(lk_constant_time_equal("abcdef", "abcdeg", 6));
    assert_false(lk_constant_time_equal("xbcdef", "abcdef", 6));
    assert_true(lk_constant_time_equal("abc", "abd", 2));
}

static void uuid_v4_has_version_and_variant(void **state)
{
    char uuid[37];

    (void)state;
    for (int round = 0; round < 64; round++) {
        assert_int_equal(lk_uuid_v4_generate(uuid), 0);
        assert_int_equal(strlen(uuid), 36);
        assert_int_equal(uuid[8], '-');
        assert_int_equal(uuid[13], '-');
        assert_int_equal(uuid[18], '-');
        assert_int_equal(uuid[23], '-');
        assert_int_equal(uuid[14], '4');
        assert_non_null(strchr("89ab", uuid[19]));
        assert_int_equal(strspn(uuid, "0123456789abcdef-"), 36);
    }
}

static void uuid_v4_differs_each_call(void **state)
{
    char first[37];
    char second[37];

    (void)state;
    assert_int_equal(lk_uuid_v4_generate(first), 0);
    assert_int_equal(lk_uuid_v4_generate(second), 0);
    assert_string_not_equal(first, second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generate_has_token_shape),
        cmocka_unit_test(generate_differs_each_call),
        cmocka_unit_test(well_formed_rejects_bad_shapes),
        cmocka_unit_test(well_formed_accepts_url_alphabet),
        cmocka_unit_test(hash_hex_known_answers),
        cmocka_unit_test(constant_time_equal_compares_bytes),
        cmocka_unit_test(uuid_v4_has_version_and_variant),
        cmocka_unit_test(uuid_v4_differs_each_call),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
