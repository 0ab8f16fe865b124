/* Unit tests for src/crypto/base64url.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/base64url.h"

struct known_answer {
    const char *decoded;
    const char *encoded;
};

/* RFC 4648 section 10 test vectors with the padding removed. */
static const struct known_answer rfc4648_vectors[] = {
    {"", ""},         {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

static void encode_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]); i++) {
        const struct known_answer *vector = &rfc4648_vectors[i];
        char output[16];

        assert_int_equal(lk_base64url_encode(output, sizeof(output),
                                             (const uint8_t *)vector->decoded,
                                             strlen(vector->decoded)),
                         0);
        assert_string_equal(output, vector->encoded);
    }
}

static void decode_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]); i++) {
        const struct known_answer *vector = &rfc4648_vectors[i];
        uint8_t output[16];
        size_t length = 99;

        assert_int_equal(lk_base64url_decode(output, sizeof(output), vector->encoded,
                                             strlen(vector->encoded), &length),
                         0);
        assert_int_equal(length, strlen(vector->decoded));
        assert_memory_equal(output, vector->decoded, length);
    }
}

static void encode_uses_url_alphabet(void **state)
{
    const uint8_t input[] = {0xfb, 0xff};
    char output[8];

    (void)state;
    assert_int_equal(lk_base64url_encode(output, sizeof(output), input, sizeof(input)), 0);
    assert_string_equal(output, "-_8");
}

static void decode_url_alphabet(void **state)
{
    uint8_t output[4];
    size_t length = 0;

    (void)state;
    assert_int_equal(lk_base64url_decode(output, sizeof(output), "-_8", 3, &length), 0);
    assert_int_equal(length, 2);
    assert_int_equal(output[0], 0xfb);
    assert_int_equal(output[1], 0xff);
}

static void encoded_size_counts_nul(void **state)
{
    (void)state;
    assert_int_equal(lk_base64url_encoded_size(0), 1);
    assert_int_equal(lk_base64url_encoded_size(1), 3);
    assert_int_equal(lk_base64url_encoded_size(3), 5);
    assert_int_equal(lk_base64url_encoded_size(32), 44);
}

static void encode_rejects_short_buffer(void **state)
{
    char output[4];

    (void)state;
    /* "foo" needs four characters and the NUL. */
    assert_int_equal(lk_base64url_encode(output, sizeof(output), (const uint8_t *)"foo", 3), -1);
}

static void decode_rejects_short_buffer(void **state)
{
    uint8_t output[5];
    size_t length = 0;

    (void)state;
    assert_int_equal(lk_base64url_decode(output, sizeof(output), "Zm9vYmFy", 8, &length), -1);
}

static void decode_rejects_invalid_text(void **state)
{
    static const char *const invalid[] = {
        "Zg==",     /* padding */
        "Zm9v=",    /* padding after a full group */
        "Zm 9v",    /* inner space */
        "Zm9v\n",   /* trailing newline */
        " Zm9v",    /* leading space */
        "+/8",      /* standard alphabet */
        "Z",        /* one character cannot encode a byte */
        "Zm9vY",    /* length 1 modulo 4 */
        "Zh",       /* non-zero unused bits */
        "Zm9v.Zg",  /* separator */
        "Zm\x80v",  /* non-ASCII byte, which libsodium 1.0.18 alone would accept */
        "Zm9\xff",  /* another non-ASCII byte */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        uint8_t output[16];
        size_t length = 0;

        assert_int_equal(
            lk_base64url_decode(output, sizeof(output), invalid[i], strlen(invalid[i]), &length),
            -1);
    }
}

static void decode_rejects_embedded_nul(void **state)
{
    const char text[] = {'Z', 'm', '\0', 'v'};
    uint8_t output[8];
    size_t length = 0;

    (void)state;
    assert_int_equal(lk_base64url_decode(output, sizeof(output), text, sizeof(text), &length), -1);
}

static void round_trip_all_byte_values(void **state)
{
    uint8_t input[256];
    uint8_t decoded[256];
    char encoded[400];
    size_t length = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(input); i++) {
        input[i] = (uint8_t)i;
    }
    assert_int_equal(lk_base64url_encode(encoded, sizeof(encoded), input, sizeof(input)), 0);
    assert_null(strpbrk(encoded, "+/="));
    assert_int_equal(
        lk_base64url_decode(decoded, sizeof(decoded), encoded, strlen(encoded), &length), 0);
    assert_int_equal(length, sizeof(input));
    assert_memory_equal(decoded, input, sizeof(input));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_rfc4648_vectors),
        cmocka_unit_test(decode_rfc4648_vectors),
        cmocka_unit_test(encode_uses_url_alphabet),
        cmocka_unit_test(decode_url_alphabet),
        cmocka_unit_test(encoded_size_counts_nul),
        cmocka_unit_test(encode_rejects_short_buffer),
        cmocka_unit_test(decode_rejects_short_buffer),
        cmocka_unit_test(decode_rejects_invalid_text),
        cmocka_unit_test(decode_rejects_embedded_nul),
        cmocka_unit_test(round_trip_all_byte_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
