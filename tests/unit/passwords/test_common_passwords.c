/* Tests for the common-password set: parsing the list format, case, loading the file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "passwords/common_passwords.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEXT(literal) literal, sizeof literal - 1

static void list_format_parsed(void **state)
{
    (void)state;
    static const char list[] = "#!comment: a list\n"
                               "#!comment:\n"
                               "123456\n"
                               "Password\r\n"
                               "\n"
                               "password\n"
                               "#notacomment\n"
                               "last-line-without-newline";
    lk_common_passwords_t *set = lk_common_passwords_from_text(list, sizeof list - 1);

    assert_non_null(set);
    assert_int_equal(lk_common_passwords_count(set), 4);
    assert_true(lk_common_passwords_contains(set, TEXT("123456")));
    assert_true(lk_common_passwords_contains(set, TEXT("password")));
    assert_true(lk_common_passwords_contains(set, TEXT("PASSWORD")));
    assert_true(lk_common_passwords_contains(set, TEXT("#notacomment")));
    assert_true(lk_common_passwords_contains(set, TEXT("last-line-without-newline")));
    assert_false(lk_common_passwords_contains(set, TEXT("#!comment: a list")));
    assert_false(lk_common_passwords_contains(set, TEXT("")));
    assert_false(lk_common_passwords_contains(set, TEXT("12345")));
    assert_false(lk_common_passwords_contains(set, TEXT("1234567")));
    assert_false(lk_common_passwords_contains(set, TEXT("Password\r")));
    lk_common_passwords_destroy(set);
}

/* Bytes outside ASCII are compared exactly, because only ASCII letters are folded. */
static void non_ascii_compared_exactly(void **state)
{
    (void)state;
    static const char list[] = "p\xc3\xa4ssword\n";
    lk_common_passwords_t *set = lk_common_passwords_from_text(list, sizeof list - 1);

    assert_true(lk_common_passwords_contains(set, TEXT("P\xc3\xa4SSWORD")));
    assert_false(lk_common_passwords_contains(set, TEXT("p\xc3\x84ssword")));
    lk_common_passwords_destroy(set);
}

static void empty_list_contains_nothing(void **state)
{
    (void)state;
    lk_common_passwords_t *set = lk_common_passwords_from_text("", 0);
    assert_non_null(set);
    assert_int_equal(lk_common_passwords_count(set), 0);
    assert_false(lk_common_passwords_contains(set, TEXT("password")));
    lk_common_passwords_destroy(set);
    lk_common_passwords_destroy(NULL);
}

static void load_reads_file(void **state)
{
    (void)state;
    char path[] = "/tmp/lk-common-passwords-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "letmein\nTrustNo1\n", 17), 17);
    close(fd);
    char error[256] = "";

    lk_common_passwords_t *set = lk_common_passwords_load(path, error, sizeof error);
    unlink(path);
    assert_non_null(set);
    assert_int_equal(lk_common_passwords_count(set), 2);
    assert_true(lk_common_passwords_contains(set, TEXT("trustno1")));
    lk_common_passwords_destroy(set);
}

static void load_reports_missing_file(void **state)
{
    (void)state;
    char error[256] = "";
    assert_null(lk_common_passwords_load("/nonexistent/password.lst", error, sizeof error));
    assert_string_equal(error,
                        "cannot read \"/nonexistent/password.lst\": No such file or directory");
}

static void load_rejects_directory(void **state)
{
    (void)state;
    char error[256] = "";
    assert_null(lk_common_passwords_load("/tmp", error, sizeof error));
    assert_string_equal(error, "cannot read \"/tmp\": not a regular file");
}

/* The list that deploy/install-deps.sh installs (Debian's john-data), when present. */
static void debian_list_loads(void **state)
{
    (void)state;
    char error[256] = "";
    if (access("/usr/share/john/password.lst", R_OK) != 0)
        skip();
    lk_common_passwords_t *set =
        lk_common_passwords_load("/usr/share/john/password.lst", error, sizeof error);

    assert_non_null(set);
    assert_true(lk_common_passwords_count(set) > 3000);
    assert_true(lk_common_passwords_contains(set, TEXT("password")));
    assert_true(lk_common_passwords_contains(set, TEXT("Password1")));
    assert_true(lk_common_passwords_contains(set, TEXT("12345678")));
    lk_common_passwords_destroy(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_format_parsed),
        cmocka_unit_test(non_ascii_compared_exactly),
        cmocka_unit_test(empty_list_contains_nothing),
        cmocka_unit_test(load_reads_file),
        cmocka_unit_test(load_reports_missing_file),
        cmocka_unit_test(load_rejects_directory),
        cmocka_unit_test(debian_list_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
