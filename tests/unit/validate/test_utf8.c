/* Tests for the strict UTF-8 decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "validate/utf8.h"

typedef struct decode_case {
    const char *label;
    const char *bytes;
    size_t length;
    size_t expected_length; /* 0 when invalid */
    uint32_t expected_code_point;
} decode_case_t;

#define BYTES(literal) literal, sizeof literal - 1

static void decode_table(void **state)
{
    (void)state;
    static const decode_case_t cases[] = {
        {"ASCII", BYTES("A"), 1, 0x41},
        {"NUL", BYTES("\0"), 1, 0x0},
        {"two bytes", BYTES("\xc3\xa9"), 2, 0xE9},
        {"lowest two bytes", BYTES("\xc2\x80"), 2, 0x80},
        {"three bytes", BYTES("\xe2\x82\xac"), 3, 0x20AC},
        {"lowest three bytes", BYTES("\xe0\xa0\x80"), 3, 0x800},
        {"four bytes", BYTES("\xf0\x9f\x94\x91"), 4, 0x1F511},
        {"highest code point", BYTES("\xf4\x8f\xbf\xbf"), 4, 0x10FFFF},
        {"before surrogates", BYTES("\xed\x9f\xbf"), 3, 0xD7FF},
        {"after surrogates", BYTES("\xee\x80\x80"), 3, 0xE000},
        {"empty", BYTES(""), 0, 0},
        {"continuation byte", BYTES("\x80"), 0, 0},
        {"byte 0xff", BYTES("\xff"), 0, 0},
        {"byte 0xf5", BYTES("\xf5\x80\x80\x80"), 0, 0},
        {"overlong two bytes", BYTES("\xc0\xaf"), 0, 0},
        {"overlong 0xc1", BYTES("\xc1\xbf"), 0, 0},
        {"overlong three bytes", BYTES("\xe0\x9f\xbf"), 0, 0},
        {"overlong four bytes", BYTES("\xf0\x8f\xbf\xbf"), 0, 0},
        {"high surrogate", BYTES("\xed\xa0\x80"), 0, 0},
        {"low surrogate", BYTES("\xed\xbf\xbf"), 0, 0},
        {"above U+10FFFF", BYTES("\xf4\x90\x80\x80"), 0, 0},
        {"truncated two bytes", BYTES("\xc3"), 0, 0},
        {"truncated four bytes", BYTES("\xf0\x9f\x94"), 0, 0},
        {"bad continuation", BYTES("\xe2\x28\xa1"), 0, 0},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t code_point = 0xFFFFFFFF;
        print_message("case: %s\n", cases[i].label);
        size_t used = lk_utf8_decode((const unsigned char *)cases[i].bytes, cases[i].length,
                                     &code_point);
        assert_int_equal(used, cases[i].expected_length);
        if (used != 0) {
            assert_int_equal(code_point, cases[i].expected_code_point);
        }
    }
}

static void count_code_points(void **state)
{
    (void)state;
    size_t count = 99;

    assert_int_equal(lk_utf8_count("", 0, &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(lk_utf8_count("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91", 10, &count), 0);
    assert_int_equal(count, 4);
}

static void count_rejects_invalid(void **state)
{
    (void)state;
    size_t count = 99;

    assert_int_equal(lk_utf8_count("abc\xff", 4, &count), -1);
    assert_int_equal(count, 99);
    assert_int_equal(lk_utf8_count("abc\xe2\x82", 5, &count), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_table),
        cmocka_unit_test(count_code_points),
        cmocka_unit_test(count_rejects_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
