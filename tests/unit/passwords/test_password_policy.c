/* Tests for the password policy: length in code points, UTF-8 validity, control characters
 * and the list of common passwords. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "passwords/password_policy.h"

#include <string.h>

typedef struct policy_case {
    const char *label;
    const char *password;
    size_t length;
    int expected;
    const char *reason; /* expected reason, when rejected */
} policy_case_t;

#define TEXT(literal) literal, sizeof literal - 1

/* A small list in the format of Debian's john-data list, loaded by the group setup. */
static const char common_list[] = "#!comment: test list\n"
                                  "password1\n"
                                  "Qwertyuiop\r\n"
                                  "correcthorse\n";
static lk_common_passwords_t *common;

static int load_common_list(void **state)
{
    (void)state;
    common = lk_common_passwords_from_text(common_list, sizeof common_list - 1);
    return common != NULL ? 0 : -1;
}

static int free_common_list(void **state)
{
    (void)state;
    lk_common_passwords_destroy(common);
    return 0;
}

/* Writes `unit` `count` times into `buffer` and returns the length written. */
static size_t repeat(char *buffer, size_t size, const char *unit, size_t count)
{
    size_t unit_length = strlen(unit);
    assert_true(unit_length * count < size);
    for (size_t i = 0; i < count; i++) {
        memcpy(buffer + i * unit_length, unit, unit_length);
    }
    buffer[unit_length * count] = '\0';
    return unit_length * count;
}

static void check_case(const policy_case_t *c)
{
    char reason[128] = "";
    int status = lk_password_policy_check(common, c->password, c->length, reason, sizeof reason);

    print_message("case: %s\n", c->label);
    assert_int_equal(status, c->expected);
    if (c->expected != 0) {
        assert_string_equal(reason, c->reason);
    }
}

static void policy_table(void **state)
{
    (void)state;
    static const policy_case_t cases[] = {
        {"empty", TEXT(""), -1, "must be at least 8 characters"},
        {"7 characters", TEXT("abcdefg"), -1, "must be at least 8 characters"},
        {"8 characters", TEXT("abcdefgh"), 0, NULL},
        {"spaces allowed", TEXT("four word pass phrase"), 0, NULL},
        {"no composition rules", TEXT("aaaaaaaa"), 0, NULL},
        {"7 two-byte code points", TEXT("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
         -1, "must be at least 8 characters"},
        {"8 four-byte code points",
         TEXT("\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
              "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"),
         0, NULL},
        {"invalid byte 0xff", TEXT("abcdefg\xff"), -1, "must be valid UTF-8"},
        {"lone continuation byte", TEXT("abcdefg\x80"), -1, "must be valid UTF-8"},
        {"truncated sequence", TEXT("abcdefgh\xe2\x82"), -1, "must be valid UTF-8"},
        {"overlong slash", TEXT("abcdefg\xc0\xaf"), -1, "must be valid UTF-8"},
        {"overlong NUL", TEXT("abcdefg\xc0\x80"), -1, "must be valid UTF-8"},
        {"overlong three bytes", TEXT("abcdefg\xe0\x80\xaf"), -1, "must be valid UTF-8"},
        {"overlong four bytes", TEXT("abcdefg\xf0\x82\x82\xac"), -1, "must be valid UTF-8"},
        {"surrogate", TEXT("abcdefg\xed\xa0\x80"), -1, "must be valid UTF-8"},
        {"above U+10FFFF", TEXT("abcdefg\xf4\x90\x80\x80"), -1, "must be valid UTF-8"},
        {"embedded NUL", TEXT("abcd\0efgh"), -1, "must not contain control characters"},
        {"tab", TEXT("abcd\tefgh"), -1, "must not contain control characters"},
        {"newline", TEXT("abcdefgh\n"), -1, "must not contain control characters"},
        {"delete", TEXT("abcd\x7f" "efgh"), -1, "must not contain control characters"},
        {"highest code point", TEXT("abcdefg\xf4\x8f\xbf\xbf"), 0, NULL},
        {"common password", TEXT("password1"), -1,
         "is too common: it appears on a list of frequently used passwords, so choose another one"},
        {"common password in other case", TEXT("PassWord1"), -1,
         "is too common: it appears on a list of frequently used passwords, so choose another one"},
        {"listed with upper case", TEXT("qwertyuiop"), -1,
         "is too common: it appears on a list of frequently used passwords, so choose another one"},
        {"common password as a prefix", TEXT("password12"), 0, NULL},
        {"comment line is no password", TEXT("#!comment: test list"), 0, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_case(&cases[i]);
    }
}

static void policy_128_multibyte_accepted(void **state)
{
    (void)state;
    char password[1024];
    char reason[128] = "";
    size_t length = repeat(password, sizeof password, "\xe2\x82\xac", 128);

    assert_int_equal(lk_password_policy_check(common, password, length, reason, sizeof reason), 0);
}

static void policy_129_multibyte_rejected(void **state)
{
    (void)state;
    char password[1024];
    char reason[128] = "";
    size_t length = repeat(password, sizeof password, "\xe2\x82\xac", 129);

    assert_int_equal(lk_password_policy_check(common, password, length, reason, sizeof reason), -1);
    assert_string_equal(reason, "must be at most 128 characters");
}

static void policy_129_ascii_rejected(void **state)
{
    (void)state;
    char password[256];
    char reason[128] = "";
    size_t length = repeat(password, sizeof password, "a", 129);

    assert_int_equal(lk_password_policy_check(common, password, 128, reason, sizeof reason), 0);
    assert_int_equal(lk_password_policy_check(common, password, length, reason, sizeof reason), -1);
}

/* The reason is a fixed phrase, so a rejected password never appears in it. */
static void policy_reason_omits_password(void **state)
{
    (void)state;
    const char *passwords[] = {"short", "hunter2\xff", "hunter2\n", "correcthorse"};
    for (size_t i = 0; i < sizeof passwords / sizeof passwords[0]; i++) {
        char reason[128] = "";
        assert_int_equal(lk_password_policy_check(common, passwords[i], strlen(passwords[i]), reason,
                                                  sizeof reason),
                         -1);
        assert_null(strstr(reason, "hunter2"));
        assert_null(strstr(reason, "short"));
        assert_null(strstr(reason, "correcthorse"));
    }
}

static void policy_reason_truncated(void **state)
{
    (void)state;
    char reason[8];

    assert_int_equal(lk_password_policy_check(common, "a", 1, reason, sizeof reason), -1);
    assert_string_equal(reason, "must be");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_table),
        cmocka_unit_test(policy_128_multibyte_accepted),
        cmocka_unit_test(policy_129_multibyte_rejected),
        cmocka_unit_test(policy_129_ascii_rejected),
        cmocka_unit_test(policy_reason_omits_password),
        cmocka_unit_test(policy_reason_truncated),
    };
    return cmocka_run_group_tests(tests, load_common_list, free_common_list);
}
