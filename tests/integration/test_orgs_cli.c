/* End-to-end checks of `latchkey orgs` and `latchkey clients` against the test database:
 * exit statuses, --json output, audit events, and that a client secret is shown once and
 * stored only as a hash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/command.h"
#include "support/http_client.h"
#include "support/org_fixtures.h"

enum { EXIT_FIXABLE_FAILURE = 1, EXIT_USAGE = 2 };

/* Runs latchkey with ARGUMENTS and fails unless it exits with EXPECTED. */
static void run_expecting(const char *const *arguments, int expected,
                          struct lk_test_command_result *result)
{
    lk_test_run_latchkey(arguments, NULL, result);
    if (result->exit_status != expected) {
        fail_msg("latchkey %s %s exited %d, expected %d; stderr: %.500s", arguments[0],
                 arguments[1] != NULL ? arguments[1] : "", result->exit_status, expected,
                 result->standard_error);
    }
}

static json_t *run_json(const char *const *arguments)
{
    struct lk_test_command_result result;
    json_error_t error;

    run_expecting(arguments, 0, &result);
    json_t *document = json_loads(result.standard_output, 0, &error);
    if (document == NULL) {
        fail_msg("latchkey %s %s printed no JSON: %s", arguments[0], arguments[1], error.text);
    }
    lk_test_command_result_dispose(&result);
    return document;
}

/* Returns the number of audit events EVENT about SUBJECT. */
static long audit_count(const char *event, const char *subject)
{
    char sql[300];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_events WHERE event = '%s' AND subject = '%s'", event,
             subject);
    char *text = lk_test_sql(sql);
    long count = strtol(text, NULL, 10);
    free(text);
    return count;
}

static void test_usage_errors_exit_2(void **state)
{
    static const char *const bad_slug[] = {"orgs", "create", "Not_A_Slug", NULL};
    static const char *const missing_slug[] = {"orgs", "create", NULL};
    static const char *const bad_name[] = {"orgs", "create", "fine-slug", "--name", "", NULL};
    static const char *const missing_role[] = {"orgs", "add-member", "a", "x@example.test", NULL};
    static const char *const bad_role[] = {"orgs", "add-member", "a", "x@example.test", "--role", "boss", NULL};
    static const char *const unknown_orgs[] = {"orgs", "rename", NULL};
    static const char *const missing_scope[] = {"clients", "create", "api", NULL};
    static const char *const unknown_scope[] = {"clients", "create", "api", "--scope", "tokens:verify,admin", NULL};
    static const char *const empty_scope[] = {"clients", "create", "api", "--scope", "", NULL};
    static const char *const missing_id[] = {"clients", "revoke", NULL};
    static const char *const unknown_clients[] = {"clients", "delete", NULL};
    static const char *const *const cases[] = {bad_slug, missing_slug, bad_name, missing_role, bad_role,
                                               unknown_orgs, missing_scope, unknown_scope, empty_scope,
                                               missing_id, unknown_clients};
    struct lk_test_command_result result;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_expecting(cases[i], EXIT_USAGE, &result);
        assert_true(strlen(result.standard_error) > 0);
        lk_test_command_result_dispose(&result);
    }

    /* The unknown scope is named in the message. */
    run_expecting(unknown_scope, EXIT_USAGE, &result);
    assert_non_null(strstr(result.standard_error, "\"admin\""));
    lk_test_command_result_dispose(&result);
}

static void test_org_lifecycle(void **state)
{
    char slug[64];
    struct lk_test_user user;
    struct lk_test_command_result result;

    (void)state;
    snprintf(slug, sizeof(slug), "life-%s", lk_test_unique_suffix());
    const char *const create[] = {"orgs", "create", slug, "--name", "Life Cycle Ltd", "--json", NULL};
    json_t *org = run_json(create);
    assert_string_equal(json_string_value(json_object_get(org, "slug")), slug);
    assert_string_equal(json_string_value(json_object_get(org, "name")), "Life Cycle Ltd");
    char org_id[37];
    snprintf(org_id, sizeof(org_id), "%s", json_string_value(json_object_get(org, "id")));
    json_decref(org);
    assert_int_equal(audit_count("org.created", org_id), 1);

    run_expecting(create, EXIT_FIXABLE_FAILURE, &result);
    assert_non_null(strstr(result.standard_error, "already exists"));
    lk_test_command_result_dispose(&result);

    lk_test_make_user("life", &user);
    const char *const add[] = {"orgs", "add-member", slug, user.email, "--role", "member", "--json", NULL};
    json_t *added = run_json(add);
    assert_string_equal(json_string_value(json_object_get(added, "role")), "member");
    assert_true(json_is_null(json_object_get(added, "previous_role")));
    assert_string_equal(json_string_value(json_object_get(added, "user_id")), user.id);
    json_decref(added);
    assert_int_equal(audit_count("org.member_added", user.id), 1);

    const char *const promote[] = {"orgs", "add-member", slug, user.email, "--role", "admin", "--json", NULL};
    json_t *promoted = run_json(promote);
    assert_string_equal(json_string_value(json_object_get(promoted, "previous_role")), "member");
    json_decref(promoted);
    assert_int_equal(audit_count("org.member_role_changed", user.id), 1);

    const char *const members[] = {"orgs", "members", slug, "--json", NULL};
    json_t *listed = run_json(members);
    assert_int_equal(json_array_size(listed), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(listed, 0), "role")), "admin");
    json_decref(listed);

    const char *const list[] = {"orgs", "list", "--json", NULL};
    json_t *orgs = run_json(list);
    size_t index;
    json_t *entry;
    bool found = false;
    json_array_foreach(orgs, index, entry) {
        if (strcmp(json_string_value(json_object_get(entry, "id")), org_id) == 0) {
            found = true;
            assert_int_equal(json_integer_value(json_object_get(entry, "member_count")), 1);
        }
    }
    assert_true(found);
    json_decref(orgs);

    const char *const remove[] = {"orgs", "remove-member", slug, user.email, "--json", NULL};
    json_t *removed = run_json(remove);
    assert_string_equal(json_string_value(json_object_get(removed, "removed_role")), "admin");
    json_decref(removed);
    assert_int_equal(audit_count("org.member_removed", user.id), 1);

    run_expecting(remove, EXIT_FIXABLE_FAILURE, &result);
    assert_non_null(strstr(result.standard_error, "is not a member"));
    lk_test_command_result_dispose(&result);
}

static void test_unknown_org_and_user_exit_1(void **state)
{
    char slug[64], id[37];
    static const char *const no_org[] = {"orgs", "add-member", "no-such-org-0", "x@example.test", "--role", "member", NULL};
    static const char *const no_members[] = {"orgs", "members", "no-such-org-0", NULL};
    struct lk_test_command_result result;

    (void)state;
    run_expecting(no_org, EXIT_FIXABLE_FAILURE, &result);
    assert_non_null(strstr(result.standard_error, "no organisation"));
    lk_test_command_result_dispose(&result);
    run_expecting(no_members, EXIT_FIXABLE_FAILURE, &result);
    lk_test_command_result_dispose(&result);

    lk_test_make_org("nobody", slug, id);
    const char *const no_user[] = {"orgs", "add-member", slug, "nobody-at-all@example.test", "--role", "member", NULL};
    run_expecting(no_user, EXIT_FIXABLE_FAILURE, &result);
    assert_non_null(strstr(result.standard_error, "no user"));
    lk_test_command_result_dispose(&result);
}

static void test_client_lifecycle(void **state)
{
    struct lk_test_command_result result;

    (void)state;
    const char *const create[] = {"clients", "create", "billing api", "--scope", "members:read,tokens:verify", "--json", NULL};
    json_t *client = run_json(create);
    const char *id = json_string_value(json_object_get(client, "client_id"));
    const char *secret = json_string_value(json_object_get(client, "client_secret"));
    assert_non_null(id);
    assert_non_null(secret);
    lk_test_record_token(secret);
    assert_true(strlen(secret) >= 43);
    assert_string_equal(json_string_value(json_object_get(client, "name")), "billing api");
    json_t *scopes = json_object_get(client, "scopes");
    assert_int_equal(json_array_size(scopes), 2);
    assert_int_equal(audit_count("client.created", id), 1);

    /* Only a hash is stored, and it is not the secret. */
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT secret_hash FROM service_clients WHERE id = '%s'", id);
    char *stored = lk_test_sql(sql);
    assert_null(strstr(stored, secret));
    assert_non_null(strstr(stored, "hmac-sha256$"));
    free(stored);

    /* Listings never show the secret. */
    const char *const list[] = {"clients", "list", "--json", NULL};
    lk_test_run_latchkey(list, NULL, &result);
    assert_int_equal(result.exit_status, 0);
    assert_non_null(strstr(result.standard_output, id));
    assert_null(strstr(result.standard_output, secret));
    assert_null(strstr(result.standard_output, "hmac-sha256"));
    lk_test_command_result_dispose(&result);

    const char *const revoke[] = {"clients", "revoke", id, "--json", NULL};
    json_t *revoked = run_json(revoke);
    assert_true(json_is_true(json_object_get(revoked, "revoked")));
    assert_true(json_is_string(json_object_get(revoked, "revoked_at")));
    json_decref(revoked);
    assert_int_equal(audit_count("client.revoked", id), 1);

    /* Revoking again succeeds and writes no second event. */
    json_decref(run_json(revoke));
    assert_int_equal(audit_count("client.revoked", id), 1);
    json_decref(client);

    static const char *const unknown[] = {"clients", "revoke", "lkc_does_not_exist", NULL};
    run_expecting(unknown, EXIT_FIXABLE_FAILURE, &result);
    assert_non_null(strstr(result.standard_error, "no service client"));
    lk_test_command_result_dispose(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_org_lifecycle),
        cmocka_unit_test(test_unknown_org_and_user_exit_1),
        cmocka_unit_test(test_client_lifecycle),
    };

    return cmocka_run_group_tests(tests, lk_test_http_global_init, lk_test_http_global_cleanup);
}
