/* Unit tests for the email normalization of src/store/users.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/users.h"

struct normalization_case {
    const char *email;
    const char *expected;
};

static const struct normalization_case normalization_cases[] = {
    {"ada@example.com", "ada@example.com"},
    {"Ada@Example.COM", "ada@example.com"},
    {"  ada@example.com  ", "ada@example.com"},
    {"\t\r\nADA@EXAMPLE.COM\n", "ada@example.com"},
    {"a d@example.com", "a d@example.com"}, /* inner whitespace is kept */
    {"\xC3\x84" "DA@example.de", "\xC3\x84" "da@example.de"}, /* non-ASCII kept as is */
    {"ADA+TAG@[127.0.0.1]", "ada+tag@[127.0.0.1]"},
    {"", ""},
    {"   ", ""},
};

static void normalize_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof normalization_cases / sizeof normalization_cases[0]; i++) {
        char output[64];
        lk_email_normalize(normalization_cases[i].email, output, sizeof output);
        assert_string_equal(output, normalization_cases[i].expected);
        assert_int_equal(lk_email_normalized_length(normalization_cases[i].email),
                         strlen(normalization_cases[i].expected));
    }
}

static void normalize_truncates_to_buffer(void **state)
{
    (void)state;
    char output[5];
    memset(output, 'x', sizeof output);

    lk_email_normalize("  ABCDEFGH  ", output, sizeof output);

    assert_string_equal(output, "abcd");
}

static void normalize_zero_size_writes_nothing(void **state)
{
    (void)state;
    char output[4] = "xyz";

    lk_email_normalize("Ada@example.com", output, 0);

    assert_string_equal(output, "xyz");
}

static void normalize_in_place_buffer_of_exact_size(void **state)
{
    (void)state;
    const char *email = " Bob@Example.org ";
    size_t length = lk_email_normalized_length(email);
    char output[16];

    assert_int_equal(length, 15);
    lk_email_normalize(email, output, length + 1);
    assert_string_equal(output, "bob@example.org");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalize_case_table),
        cmocka_unit_test(normalize_truncates_to_buffer),
        cmocka_unit_test(normalize_zero_size_writes_nothing),
        cmocka_unit_test(normalize_in_place_buffer_of_exact_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
