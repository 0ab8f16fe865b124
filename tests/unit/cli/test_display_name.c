/* Unit tests for src/cli/display_name.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/display_name.h"

static void accepts_one_line_names(void **state)
{
    static const char *const accepted[] = {"a", "Acme Inc", "Zürich Büro", "日本"};

    (void)state;
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        assert_null(lk_cli_display_name_problem(accepted[i], 20));
}

static void counts_characters_not_bytes(void **state)
{
    (void)state;
    assert_null(lk_cli_display_name_problem("ééééé", 5));
    assert_non_null(lk_cli_display_name_problem("éééééé", 5));
}

static void rejects_bad_names(void **state)
{
    static const char *const rejected[] = {
        "", "line\nbreak", "tab\there", "del\x7f", "c1\xc2\x85", "bad\xff", "toolongname",
    };

    (void)state;
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        if (lk_cli_display_name_problem(rejected[i], 10) == NULL)
            fail_msg("name %zu was accepted", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_one_line_names),
        cmocka_unit_test(counts_characters_not_bytes),
        cmocka_unit_test(rejects_bad_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
