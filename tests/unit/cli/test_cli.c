/* Unit tests for the option parsing and time formatting of src/cli/cli.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"

enum { OPTION_ALG, OPTION_ACTIVATE, OPTION_JSON };

static const lk_cli_option_t options[] = {
    [OPTION_ALG] = {"--alg", true},
    [OPTION_ACTIVATE] = {"--activate", false},
    [OPTION_JSON] = {"--json", false},
};

#define OPTION_COUNT (sizeof options / sizeof options[0])

/* Parses a NULL-terminated list of arguments with up to one positional argument. */
static int parse(const char *const *list, lk_cli_arguments_t *arguments, char *error,
                 size_t error_size)
{
    int argc = 0;
    while (list[argc] != NULL)
        argc++;
    return lk_cli_parse(argc, (char *const *)list, options, OPTION_COUNT, 1, arguments, error,
                        error_size);
}

static void parse_flags_and_separate_value(void **state)
{
    (void)state;
    const char *list[] = {"--json", "--alg", "RS256", "EMAIL", NULL};
    lk_cli_arguments_t arguments;
    char error[128] = "";

    assert_int_equal(parse(list, &arguments, error, sizeof error), 0);
    assert_string_equal(arguments.values[OPTION_ALG], "RS256");
    assert_string_equal(arguments.values[OPTION_JSON], "");
    assert_null(arguments.values[OPTION_ACTIVATE]);
    assert_int_equal(arguments.positional_count, 1);
    assert_string_equal(arguments.positionals[0], "EMAIL");
}

static void parse_value_after_equals(void **state)
{
    (void)state;
    const char *list[] = {"--alg=ES256", "--activate", NULL};
    lk_cli_arguments_t arguments;
    char error[128] = "";

    assert_int_equal(parse(list, &arguments, error, sizeof error), 0);
    assert_string_equal(arguments.values[OPTION_ALG], "ES256");
    assert_string_equal(arguments.values[OPTION_ACTIVATE], "");
    assert_int_equal(arguments.positional_count, 0);
}

static void parse_double_dash_ends_options(void **state)
{
    (void)state;
    const char *list[] = {"--json", "--", "--alg", NULL};
    lk_cli_arguments_t arguments;
    char error[128] = "";

    assert_int_equal(parse(list, &arguments, error, sizeof error), 0);
    assert_null(arguments.values[OPTION_ALG]);
    assert_int_equal(arguments.positional_count, 1);
    assert_string_equal(arguments.positionals[0], "--alg");
}

static void parse_single_dash_is_positional(void **state)
{
    (void)state;
    const char *list[] = {"-", NULL};
    lk_cli_arguments_t arguments;
    char error[128] = "";

    assert_int_equal(parse(list, &arguments, error, sizeof error), 0);
    assert_int_equal(arguments.positional_count, 1);
    assert_string_equal(arguments.positionals[0], "-");
}

static void parse_help_anywhere(void **state)
{
    (void)state;
    const char *long_form[] = {"EMAIL", "--help", NULL};
    const char *short_form[] = {"-h", "--bogus", NULL};
    lk_cli_arguments_t arguments;
    char error[128] = "";

    assert_int_equal(parse(long_form, &arguments, error, sizeof error), LK_CLI_PARSE_HELP);
    assert_int_equal(parse(short_form, &arguments, error, sizeof error), LK_CLI_PARSE_HELP);
}

struct rejection_case {
    const char *list[4];
    const char *message;
};

static const struct rejection_case rejection_cases[] = {
    {{"--bogus", NULL}, "unknown option --bogus"},
    {{"--bogus=1", NULL}, "unknown option --bogus"},
    {{"-x", NULL}, "unknown option -x"},
    {{"--js", NULL}, "unknown option --js"},
    {{"--alg", NULL}, "option --alg requires a value"},
    {{"--json=yes", NULL}, "option --json takes no value"},
    {{"--json", "--json", NULL}, "option --json given twice"},
    {{"--alg=ES256", "--alg", "RS256", NULL}, "option --alg given twice"},
    {{"one", "two", NULL}, "unexpected argument \"two\""},
};

static void parse_rejection_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rejection_cases / sizeof rejection_cases[0]; i++) {
        lk_cli_arguments_t arguments;
        char error[128] = "";

        assert_int_equal(parse(rejection_cases[i].list, &arguments, error, sizeof error), -1);
        assert_string_equal(error, rejection_cases[i].message);
    }
}

static void parse_rejects_oversized_table(void **state)
{
    (void)state;
    const char *list[] = {NULL};
    lk_cli_arguments_t arguments;
    char error[128] = "";

    assert_int_equal(lk_cli_parse(0, (char *const *)list, options, LK_CLI_MAX_OPTIONS + 1, 0,
                                  &arguments, error, sizeof error),
                     -1);
    assert_int_equal(lk_cli_parse(0, (char *const *)list, options, OPTION_COUNT,
                                  LK_CLI_MAX_POSITIONALS + 1, &arguments, error, sizeof error),
                     -1);
}

static void format_time_known_values(void **state)
{
    (void)state;
    char text[LK_CLI_TIME_SIZE];

    lk_cli_format_time(0, text);
    assert_string_equal(text, "-");
    lk_cli_format_time(1700000000, text);
    assert_string_equal(text, "2023-11-14T22:13:20Z");
    lk_cli_format_time(951782400, text); /* a leap day */
    assert_string_equal(text, "2000-02-29T00:00:00Z");
}

static void time_json_null_for_zero(void **state)
{
    (void)state;
    json_t *missing = lk_cli_time_json(0);
    json_t *present = lk_cli_time_json(1700000000);

    assert_true(json_is_null(missing));
    assert_true(json_is_string(present));
    assert_string_equal(json_string_value(present), "2023-11-14T22:13:20Z");
    json_decref(missing);
    json_decref(present);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_flags_and_separate_value),
        cmocka_unit_test(parse_value_after_equals),
        cmocka_unit_test(parse_double_dash_ends_options),
        cmocka_unit_test(parse_single_dash_is_positional),
        cmocka_unit_test(parse_help_anywhere),
        cmocka_unit_test(parse_rejection_table),
        cmocka_unit_test(parse_rejects_oversized_table),
        cmocka_unit_test(format_time_known_values),
        cmocka_unit_test(time_json_null_for_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
