/* End-to-end checks of the `latchkey` command line against the test database: repeatable
 * migrations, exit statuses and the --json output of `keys list`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "support/command.h"
#include "support/http_client.h"

enum { EXIT_FIXABLE_FAILURE = 1, EXIT_USAGE = 2 };

/* Runs latchkey with ARGUMENTS and STANDARD_INPUT and fails the test unless it exits with
 * EXPECTED_STATUS. The caller disposes RESULT. */
static void run_expecting(const char *const *arguments, const char *standard_input, int expected_status,
                          struct lk_test_command_result *result)
{
    lk_test_run_latchkey(arguments, standard_input, result);
    if (result->exit_status != expected_status) {
        fail_msg("latchkey %s %s exited %d, expected %d; stderr: %.500s", arguments[0],
                 arguments[1] != NULL ? arguments[1] : "", result->exit_status, expected_status,
                 result->standard_error);
    }
}

static void test_migrate_twice_succeeds(void **state)
{
    const char *const arguments[] = {"migrate", NULL};
    struct lk_test_command_result result;

    (void)state;
    run_expecting(arguments, NULL, 0, &result);
    lk_test_command_result_dispose(&result);
    run_expecting(arguments, NULL, 0, &result);
    lk_test_command_result_dispose(&result);
}

/* Returns a copy of TEXT in upper case. */
static char *upper_case(const char *text)
{
    char *copy = strdup(text);

    assert_non_null(copy);
    for (char *c = copy; *c != '\0'; c++) {
        *c = (char)toupper((unsigned char)*c);
    }
    return copy;
}

static void test_duplicate_email_in_other_case_fails(void **state)
{
    char *email = upper_case(lk_test_env("LK_TEST_USER_EMAIL"));
    const char *const arguments[] = {"users", "create", email, NULL};
    struct lk_test_command_result result;

    (void)state;
    run_expecting(arguments, "another long password 913\n", EXIT_FIXABLE_FAILURE, &result);
    assert_true(strlen(result.standard_error) > 0);
    assert_null(strstr(result.standard_error, "another long password 913"));

    lk_test_command_result_dispose(&result);
    free(email);
}

static void test_usage_errors_exit_2(void **state)
{
    static const char *const unknown_command[] = {"no-such-command", NULL};
    static const char *const missing_email[] = {"users", "create", NULL};
    static const char *const bad_algorithm[] = {"keys", "create", "--alg", "HS256", NULL};
    static const char *const unknown_option[] = {"keys", "list", "--no-such-option", NULL};
    static const char *const *const cases[] = {unknown_command, missing_email, bad_algorithm, unknown_option};
    struct lk_test_command_result result;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_expecting(cases[i], NULL, EXIT_USAGE, &result);
        assert_true(strlen(result.standard_error) > 0);
        lk_test_command_result_dispose(&result);
    }
}

/* Returns the array of keys in the output of `keys list --json`, which may be a bare array
 * or an object with a "keys" array. The result is borrowed from DOCUMENT. */
static json_t *key_array(json_t *document)
{
    if (json_is_array(document)) {
        return document;
    }
    assert_true(json_is_array(json_object_get(document, "keys")));
    return json_object_get(document, "keys");
}

static void test_keys_list_json_shows_active_key(void **state)
{
    const char *const arguments[] = {"keys", "list", "--json", NULL};
    struct lk_test_command_result result;
    json_error_t error;
    json_t *document;
    size_t index;
    json_t *key;
    size_t active_count = 0;

    (void)state;
    run_expecting(arguments, NULL, 0, &result);
    document = json_loads(result.standard_output, JSON_REJECT_DUPLICATES, &error);
    if (document == NULL) {
        fail_msg("keys list --json printed invalid JSON: %s: %.300s", error.text, result.standard_output);
    }

    json_array_foreach(key_array(document), index, key) {
        const char *state_name = json_string_value(json_object_get(key, "state"));

        assert_non_null(json_string_value(json_object_get(key, "kid")));
        assert_non_null(state_name);
        if (strcmp(state_name, "active") == 0) {
            assert_string_equal(json_string_value(json_object_get(key, "alg")), "ES256");
            active_count++;
        }
    }
    assert_int_equal(active_count, 1);

    json_decref(document);
    lk_test_command_result_dispose(&result);
}

static void test_keys_list_prints_no_private_key(void **state)
{
    const char *const arguments[] = {"keys", "list", "--json", NULL};
    struct lk_test_command_result result;

    (void)state;
    run_expecting(arguments, NULL, 0, &result);
    assert_null(strstr(result.standard_output, "PRIVATE KEY"));
    assert_null(strstr(result.standard_output, "\"d\""));
    lk_test_command_result_dispose(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_twice_succeeds),
        cmocka_unit_test(test_duplicate_email_in_other_case_fails),
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_keys_list_json_shows_active_key),
        cmocka_unit_test(test_keys_list_prints_no_private_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
