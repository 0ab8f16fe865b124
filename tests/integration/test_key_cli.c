/* End-to-end checks of the signing-key life cycle through `latchkey keys` on the shared
 * test database: state transitions, refusals with their exit codes and messages, the
 * scheduled rotation, the audit trail and the key list. Every test leaves an active
 * ES256 key, because the tests that run after this program log in with it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "support/command.h"
#include "support/http_client.h"
#include "support/keys.h"

/* Fails the test unless TEXT contains PART. */
static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL) {
        fail_msg("expected \"%s\" in: %.800s", part, text);
    }
}

/* Returns the string member NAME of OBJECT, or "" when it is null or missing. */
static const char *member(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));

    return value != NULL ? value : "";
}

/* Runs `keys <subcommand> KID` and expects EXPECTED; the caller disposes RESULT. */
static void change_key(const char *subcommand, const char *kid, int expected,
                       struct lk_test_command_result *result)
{
    const char *const arguments[] = {"keys", subcommand, kid, NULL};

    lk_test_latchkey_expect(arguments, expected, result);
}

/* Fails the test unless KID is in STATE. */
static void assert_state(const char *kid, const char *state)
{
    char *actual = lk_test_key_state(kid);

    if (actual == NULL || strcmp(actual, state) != 0) {
        fail_msg("key %s is %s, expected %s", kid, actual != NULL ? actual : "missing", state);
    }
    free(actual);
}

static void test_retire_active_key_rejected(void **state)
{
    char *active = lk_test_active_kid();
    struct lk_test_command_result result;

    (void)state;
    change_key("retire", active, LK_TEST_EXIT_FAILURE, &result);
    assert_contains(result.standard_error, "refusing to retire key");
    assert_contains(result.standard_error, "it is the active key");
    assert_contains(result.standard_error, "no key to sign tokens");
    assert_state(active, "active");

    lk_test_command_result_dispose(&result);
    free(active);
}

static void test_revoke_active_without_pending_rejected(void **state)
{
    char *active;
    struct lk_test_command_result result;

    (void)state;
    lk_test_retire_pending_keys();
    active = lk_test_active_kid();
    change_key("revoke", active, LK_TEST_EXIT_FAILURE, &result);
    assert_contains(result.standard_error, "refusing to revoke key");
    assert_contains(result.standard_error, "no pending key can take over");
    assert_contains(result.standard_error, "latchkey keys create");
    assert_state(active, "active");

    lk_test_command_result_dispose(&result);
    free(active);
}

static void test_unknown_kid_fails(void **state)
{
    static const char *const subcommands[] = {"activate", "retire", "revoke"};
    struct lk_test_command_result result;

    (void)state;
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        change_key(subcommands[i], "no-such-kid", LK_TEST_EXIT_FAILURE, &result);
        assert_contains(result.standard_error, "no key has the kid \"no-such-kid\"");
        lk_test_command_result_dispose(&result);
    }
}

/* Kids are base64url, so one in 64 starts with "-" and must not be taken for an option. */
static void test_kid_with_leading_dash(void **state)
{
    static const char *const subcommands[] = {"activate", "retire", "revoke"};
    struct lk_test_command_result result;

    (void)state;
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        const char *const arguments[] = {"keys", subcommands[i], "--json", "-0Q6i-no-such", NULL};
        const char *const separated[] = {"keys", subcommands[i], "--", "--0Q6i-no-such", NULL};

        lk_test_latchkey_expect(arguments, LK_TEST_EXIT_FAILURE, &result);
        assert_contains(result.standard_error, "no key has the kid \"-0Q6i-no-such\"");
        lk_test_command_result_dispose(&result);
        lk_test_latchkey_expect(separated, LK_TEST_EXIT_FAILURE, &result);
        assert_contains(result.standard_error, "no key has the kid \"--0Q6i-no-such\"");
        lk_test_command_result_dispose(&result);
    }
}

static void test_key_usage_errors_exit_2(void **state)
{
    static const char *const missing_activate[] = {"keys", "activate", NULL};
    static const char *const missing_retire[] = {"keys", "retire", NULL};
    static const char *const missing_revoke[] = {"keys", "revoke", NULL};
    static const char *const extra_kid[] = {"keys", "revoke", "a", "b", NULL};
    static const char *const bad_rotate_alg[] = {"keys", "rotate", "--alg", "HS256", NULL};
    static const char *const unknown_subcommand[] = {"keys", "frobnicate", NULL};
    static const char *const missing_key_file[] = {"master-key", "rotate", NULL};
    static const char *const *const cases[] = {missing_activate, missing_retire, missing_revoke,
                                               extra_kid, bad_rotate_alg, unknown_subcommand,
                                               missing_key_file};
    struct lk_test_command_result result;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lk_test_latchkey_expect(cases[i], LK_TEST_EXIT_USAGE, &result);
        assert_true(strlen(result.standard_error) > 0);
        lk_test_command_result_dispose(&result);
    }
}

static void test_create_activate_warns_about_caches(void **state)
{
    static const char *const arguments[] = {"keys", "create", "--activate", "--json", NULL};
    char *previous = lk_test_active_kid();
    struct lk_test_command_result result;
    json_t *key;

    (void)state;
    lk_test_latchkey_expect(arguments, 0, &result);
    key = json_loads(result.standard_output, 0, NULL);
    assert_non_null(key);
    assert_string_equal(member(key, "state"), "active");
    assert_string_equal(member(key, "alg"), "ES256");
    assert_string_equal(member(key, "retired_key"), previous);
    assert_contains(result.standard_error, "warning: key ");
    assert_contains(result.standard_error, "LATCHKEY_KEY_PREPUBLISH_DELAY");
    assert_contains(result.standard_error, "is retired: it stays published until");
    assert_state(previous, "retired");

    json_decref(key);
    lk_test_command_result_dispose(&result);
    free(previous);
}

static void test_retire_pending_key(void **state)
{
    static const char *const create[] = {"keys", "create", "--json", NULL};
    json_t *key = lk_test_keys_command_json(create);
    const char *kid = member(key, "kid");
    struct lk_test_command_result result;
    json_t *list;

    (void)state;
    assert_string_equal(member(key, "state"), "pending");
    change_key("retire", kid, 0, &result);
    assert_contains(result.standard_error, "never signed a token");
    lk_test_command_result_dispose(&result);

    list = lk_test_keys_list();
    assert_string_equal(member(lk_test_key_find(list, kid), "state"), "retired");
    assert_true(json_is_string(json_object_get(lk_test_key_find(list, kid), "remove_after")));
    json_decref(list);

    change_key("retire", kid, 0, &result);
    assert_contains(result.standard_error, "is retired already; nothing changed");
    lk_test_command_result_dispose(&result);

    change_key("activate", kid, LK_TEST_EXIT_FAILURE, &result);
    assert_contains(result.standard_error, "only a pending key can be activated");
    lk_test_command_result_dispose(&result);
    json_decref(key);
}

static void test_rotate_schedules_activation(void **state)
{
    static const char *const rotate[] = {"keys", "rotate", "--json", NULL};
    static const char *const rotate_now[] = {"keys", "rotate", "--now", "--json", NULL};
    char *previous;
    struct lk_test_command_result result;
    json_t *scheduled;
    json_t *activated;

    (void)state;
    lk_test_retire_pending_keys();
    previous = lk_test_active_kid();

    lk_test_latchkey_expect(rotate, 0, &result);
    scheduled = json_loads(result.standard_output, 0, NULL);
    assert_non_null(scheduled);
    assert_string_equal(member(scheduled, "state"), "pending");
    assert_true(json_is_string(json_object_get(scheduled, "activate_after")));
    assert_contains(result.standard_error, "becomes active after LATCHKEY_KEY_PREPUBLISH_DELAY");
    lk_test_command_result_dispose(&result);

    lk_test_latchkey_expect(rotate, LK_TEST_EXIT_FAILURE, &result);
    assert_contains(result.standard_error, "a rotation is scheduled already");
    assert_contains(result.standard_error, member(scheduled, "kid"));
    lk_test_command_result_dispose(&result);

    lk_test_latchkey_expect(rotate_now, 0, &result);
    activated = json_loads(result.standard_output, 0, NULL);
    assert_non_null(activated);
    assert_string_equal(member(activated, "kid"), member(scheduled, "kid"));
    assert_string_equal(member(activated, "state"), "active");
    assert_true(json_is_null(json_object_get(activated, "activate_after")));
    assert_string_equal(member(activated, "retired_key"), previous);
    assert_contains(result.standard_error, "warning: key ");
    assert_state(previous, "retired");

    json_decref(activated);
    json_decref(scheduled);
    lk_test_command_result_dispose(&result);
    free(previous);
}

static void test_activation_cancels_other_schedule(void **state)
{
    static const char *const rotate[] = {"keys", "rotate", "--json", NULL};
    static const char *const create[] = {"keys", "create", "--json", NULL};
    json_t *scheduled;
    json_t *manual;
    struct lk_test_command_result result;
    json_t *list;

    (void)state;
    lk_test_retire_pending_keys();
    scheduled = lk_test_keys_command_json(rotate);
    manual = lk_test_keys_command_json(create);

    change_key("activate", member(manual, "kid"), 0, &result);
    assert_contains(result.standard_error, "cancelled 1 scheduled activation");
    lk_test_command_result_dispose(&result);

    list = lk_test_keys_list();
    assert_string_equal(member(lk_test_key_find(list, member(manual, "kid")), "state"), "active");
    assert_string_equal(member(lk_test_key_find(list, member(scheduled, "kid")), "state"),
                        "pending");
    assert_true(json_is_null(
        json_object_get(lk_test_key_find(list, member(scheduled, "kid")), "activate_after")));

    json_decref(list);
    json_decref(manual);
    json_decref(scheduled);
    lk_test_retire_pending_keys();
}

static void test_revoke_active_activates_newest_pending(void **state)
{
    static const char *const create[] = {"keys", "create", "--json", NULL};
    char *active;
    json_t *older;
    json_t *newer;
    struct lk_test_command_result result;
    json_t *revoked;

    (void)state;
    lk_test_retire_pending_keys();
    active = lk_test_active_kid();
    older = lk_test_keys_command_json(create);
    newer = lk_test_keys_command_json(create);

    {
        const char *const arguments[] = {"keys", "revoke", active, "--json", NULL};
        lk_test_latchkey_expect(arguments, 0, &result);
    }
    revoked = json_loads(result.standard_output, 0, NULL);
    assert_non_null(revoked);
    assert_string_equal(member(revoked, "state"), "revoked");
    assert_string_equal(member(revoked, "activated_key"), member(newer, "kid"));
    assert_contains(result.standard_error, "is active in its place");
    assert_contains(result.standard_error, "private key erased");
    assert_state(member(newer, "kid"), "active");
    assert_state(member(older, "kid"), "pending");
    lk_test_command_result_dispose(&result);

    change_key("revoke", active, 0, &result);
    assert_contains(result.standard_error, "is revoked already; nothing changed");
    lk_test_command_result_dispose(&result);
    change_key("retire", active, LK_TEST_EXIT_FAILURE, &result);
    assert_contains(result.standard_error, "it is revoked already");
    lk_test_command_result_dispose(&result);

    json_decref(revoked);
    json_decref(newer);
    json_decref(older);
    free(active);
    lk_test_retire_pending_keys();
}

static void test_rotate_keeps_active_algorithm(void **state)
{
    static const char *const to_rs256[] = {"keys", "rotate", "--now", "--alg", "RS256", "--json",
                                           NULL};
    static const char *const again[] = {"keys", "rotate", "--now", "--json", NULL};
    static const char *const to_es256[] = {"keys", "rotate", "--now", "--alg", "ES256", "--json",
                                           NULL};
    json_t *rs256;
    json_t *kept;
    json_t *es256;

    (void)state;
    lk_test_retire_pending_keys();
    rs256 = lk_test_keys_command_json(to_rs256);
    assert_string_equal(member(rs256, "alg"), "RS256");
    assert_string_equal(member(rs256, "state"), "active");

    kept = lk_test_keys_command_json(again);
    assert_string_equal(member(kept, "alg"), "RS256");
    assert_string_equal(member(kept, "retired_key"), member(rs256, "kid"));

    es256 = lk_test_keys_command_json(to_es256);
    assert_string_equal(member(es256, "alg"), "ES256");
    assert_string_equal(member(es256, "state"), "active");

    json_decref(es256);
    json_decref(kept);
    json_decref(rs256);
}

/* Returns the number of audit events EVENT about SUBJECT whose details contain the JSON
 * object DETAILS (jsonb containment), read directly from the test database. */
static long count_audit_events(const char *event, const char *subject, const char *details)
{
    PGconn *connection = PQconnectdb(lk_test_env("LK_TEST_DATABASE_URL"));
    const char *values[] = {event, subject, details};
    PGresult *result;
    long count;

    assert_int_equal(PQstatus(connection), CONNECTION_OK);
    result = PQexecParams(connection,
                          "SELECT count(*) FROM audit_events"
                          " WHERE event = $1 AND subject = $2 AND details @> $3::jsonb",
                          3, NULL, values, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(result), PGRES_TUPLES_OK);
    count = strtol(PQgetvalue(result, 0, 0), NULL, 10);
    PQclear(result);
    PQfinish(connection);
    return count;
}

static void test_key_changes_are_audited(void **state)
{
    static const char *const rotate_now[] = {"keys", "rotate", "--now", "--json", NULL};
    static const char *const create[] = {"keys", "create", "--json", NULL};
    char *previous = lk_test_active_kid();
    json_t *key = lk_test_keys_command_json(rotate_now);
    const char *kid = member(key, "kid");
    char details[256];
    json_t *pending;
    struct lk_test_command_result result;

    (void)state;
    assert_int_equal(count_audit_events("key.created", kid, "{\"alg\": \"ES256\"}"), 1);
    snprintf(details, sizeof(details), "{\"previous\": \"%s\"}", previous);
    assert_int_equal(count_audit_events("key.activated", kid, details), 1);
    snprintf(details, sizeof(details), "{\"successor\": \"%s\"}", kid);
    assert_int_equal(count_audit_events("key.retired", previous, details), 1);

    pending = lk_test_keys_command_json(create);
    change_key("revoke", member(pending, "kid"), 0, &result);
    assert_int_equal(count_audit_events("key.revoked", member(pending, "kid"), "{}"), 1);

    lk_test_command_result_dispose(&result);
    json_decref(pending);
    json_decref(key);
    free(previous);
}

static void test_keys_list_shows_dates(void **state)
{
    static const char *const arguments[] = {"keys", "list", NULL};
    char *active = lk_test_active_kid();
    struct lk_test_command_result result;
    const char *line;

    (void)state;
    lk_test_latchkey_expect(arguments, 0, &result);
    assert_contains(result.standard_output, "CREATED");
    assert_contains(result.standard_output, "ACTIVATED");
    assert_contains(result.standard_output, "RETIRED");
    assert_contains(result.standard_output, "NEXT CHANGE");
    assert_contains(result.standard_output, "remove at 20");

    /* The active key's line has its creation and activation dates. */
    line = strstr(result.standard_output, active);
    assert_non_null(line);
    assert_non_null(strstr(line, " active "));
    assert_true(strstr(line, "Z  20") != NULL);

    lk_test_command_result_dispose(&result);
    free(active);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retire_active_key_rejected),
        cmocka_unit_test(test_revoke_active_without_pending_rejected),
        cmocka_unit_test(test_unknown_kid_fails),
        cmocka_unit_test(test_kid_with_leading_dash),
        cmocka_unit_test(test_key_usage_errors_exit_2),
        cmocka_unit_test(test_create_activate_warns_about_caches),
        cmocka_unit_test(test_retire_pending_key),
        cmocka_unit_test(test_rotate_schedules_activation),
        cmocka_unit_test(test_activation_cancels_other_schedule),
        cmocka_unit_test(test_revoke_active_activates_newest_pending),
        cmocka_unit_test(test_rotate_keeps_active_algorithm),
        cmocka_unit_test(test_key_changes_are_audited),
        cmocka_unit_test(test_keys_list_shows_dates),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
