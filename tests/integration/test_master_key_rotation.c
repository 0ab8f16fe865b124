/* End-to-end check of the master-key rotation procedure of docs/key-rotation.md on its
 * own database (LK_TEST_MASTER_KEY_DATABASE_URL) with its own instance
 * (LK_TEST_MASTER_KEY_BASE_URL), so that the other tests keep their keys:
 *
 *   1. an instance runs with the new key as LATCHKEY_MASTER_KEY_FILE and the old one as
 *      LATCHKEY_PREVIOUS_MASTER_KEY_FILE, and signs with a key sealed with the old one;
 *   2. `latchkey master-key rotate --new-key-file NEW` re-seals every key in one
 *      transaction while the instance keeps serving;
 *   3. a key created and activated afterwards reaches the running instance;
 *   4. an instance with only the old key cannot start, one with only the new key can.
 *
 * The tests run in order and share the state below. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "crypto/master_key.h"
#include "support/command.h"
#include "support/http_client.h"
#include "support/keys.h"
#include "support/org_fixtures.h"
#include "support/server.h"
#include "support/token_parts.h"

#define USER_EMAIL "master-key@example.test"

static struct {
    char old_key_file[1024];
    char new_key_file[1024];
    char other_key_file[1024];
    char old_id[LK_MASTER_KEY_ID_LENGTH + 1];
    char new_id[LK_MASTER_KEY_ID_LENGTH + 1];
    char password[48];
    char first_kid[128];
    char second_kid[128];
    char client_header[512]; /* a service client of the separate database */
    const char *base_url;
    struct lk_test_server server;
} fixture;

/* Writes a new random master key to PATH and its public identifier to ID. */
static int write_master_key(const char *path, char id[LK_MASTER_KEY_ID_LENGTH + 1])
{
    uint8_t bytes[LK_MASTER_KEY_BYTES];
    char text[sodium_base64_ENCODED_LEN(LK_MASTER_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    FILE *file = fopen(path, "w");
    lk_master_key_t *key;

    randombytes_buf(bytes, sizeof(bytes));
    sodium_bin2base64(text, sizeof(text), bytes, sizeof(bytes), sodium_base64_VARIANT_ORIGINAL);
    key = lk_master_key_from_bytes(bytes);
    sodium_memzero(bytes, sizeof(bytes));
    if (file == NULL || key == NULL || fprintf(file, "%s\n", text) < 0) {
        return -1;
    }
    lk_master_key_id(key, id);
    lk_master_key_destroy(key);
    return fclose(file);
}

static int setup(void **state)
{
    const char *run_dir = getenv("LK_TEST_RUN_DIR");
    const char *database_url = getenv("LK_TEST_MASTER_KEY_DATABASE_URL");
    char unused[LK_MASTER_KEY_ID_LENGTH + 1];

    fixture.base_url = getenv("LK_TEST_MASTER_KEY_BASE_URL");
    if (lk_test_http_global_init(state) != 0 || sodium_init() < 0 || run_dir == NULL ||
        database_url == NULL || fixture.base_url == NULL) {
        return -1;
    }
    snprintf(fixture.old_key_file, sizeof(fixture.old_key_file), "%s/master-old.key", run_dir);
    snprintf(fixture.new_key_file, sizeof(fixture.new_key_file), "%s/master-new.key", run_dir);
    snprintf(fixture.other_key_file, sizeof(fixture.other_key_file), "%s/master-other.key",
             run_dir);
    if (write_master_key(fixture.old_key_file, fixture.old_id) != 0 ||
        write_master_key(fixture.new_key_file, fixture.new_id) != 0 ||
        write_master_key(fixture.other_key_file, unused) != 0) {
        return -1;
    }
    snprintf(fixture.password, sizeof(fixture.password), "password-%08x-%08x",
             randombytes_random(), randombytes_random());

    /* Every command and server of this program uses the separate database. */
    setenv("LATCHKEY_DATABASE_URL", database_url, 1);
    setenv("LATCHKEY_MASTER_KEY_FILE", fixture.old_key_file, 1);
    unsetenv("LATCHKEY_PREVIOUS_MASTER_KEY_FILE");
    setenv("LATCHKEY_ISSUER", fixture.base_url, 1);
    setenv("LATCHKEY_LISTEN", fixture.base_url, 1);
    return 0;
}

static int teardown(void **state)
{
    lk_test_servers_stop_all();
    return lk_test_http_global_cleanup(state);
}

/* Runs SQL without parameters on the separate database and returns its first value. */
static char *query_value(const char *sql)
{
    PGconn *connection = PQconnectdb(lk_test_env("LK_TEST_MASTER_KEY_DATABASE_URL"));
    PGresult *result;
    char *value = NULL;

    assert_int_equal(PQstatus(connection), CONNECTION_OK);
    result = PQexec(connection, sql);
    assert_int_equal(PQresultStatus(result), PGRES_TUPLES_OK);
    if (PQntuples(result) > 0) {
        value = strdup(PQgetvalue(result, 0, 0));
    }
    PQclear(result);
    PQfinish(connection);
    return value;
}

/* Returns every sealed private key, in kid order, as one string. */
static char *sealed_keys(void)
{
    return query_value("SELECT string_agg(kid || ':' || private_key_sealed, ',' ORDER BY kid)"
                       " FROM signing_keys WHERE private_key_sealed IS NOT NULL");
}

/* Logs in at the instance and fails the test unless the token names KID. The token is
 * recorded for the log checks. */
static void assert_instance_signs_with(const char *kid)
{
    struct lk_test_tokens tokens;
    char *token_kid;

    lk_test_login_at(fixture.base_url, USER_EMAIL, fixture.password, &tokens);
    token_kid = lk_test_token_kid(tokens.access_token);
    assert_string_equal(token_kid, kid);
    assert_true(lk_test_token_active_as(fixture.base_url, fixture.client_header,
                                        tokens.access_token));
    free(token_kid);
    lk_test_tokens_dispose(&tokens);
}

/* Fails the test if the server's log has a sanitizer report or the test user's password. */
static void assert_clean_log(const struct lk_test_server *server)
{
    static const char *const reports[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                          "runtime error:"};

    for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
        if (lk_test_server_log_contains(server, reports[i])) {
            fail_msg("%s contains \"%s\"", server->log_path, reports[i]);
        }
    }
    assert_false(lk_test_server_log_contains(server, fixture.password));
}

static void test_database_with_old_master_key(void **state)
{
    static const char *const migrate[] = {"migrate", NULL};
    static const char *const create[] = {"keys", "create", "--activate", "--json", NULL};
    static const char *const add_user[] = {"users", "create", USER_EMAIL, NULL};
    struct lk_test_command_result result;
    char input[64];
    json_t *key;

    (void)state;
    lk_test_latchkey_expect(migrate, 0, &result);
    lk_test_command_result_dispose(&result);
    key = lk_test_keys_command_json(create);
    snprintf(fixture.first_kid, sizeof(fixture.first_kid), "%s",
             json_string_value(json_object_get(key, "kid")));
    json_decref(key);

    snprintf(input, sizeof(input), "%s\n", fixture.password);
    lk_test_run_latchkey(add_user, input, &result);
    assert_int_equal(result.exit_status, 0);
    lk_test_command_result_dispose(&result);

    /* The verify endpoint needs a service client; this database has its own. */
    {
        static const char *const add_client[] = {"clients", "create", "master key test",
                                                 "--scope", "tokens:verify", "--json", NULL};
        json_t *client;

        lk_test_latchkey_expect(add_client, 0, &result);
        client = json_loads(result.standard_output, 0, NULL);
        assert_non_null(client);
        lk_test_record_token(json_string_value(json_object_get(client, "client_secret")));
        lk_test_basic_header(json_string_value(json_object_get(client, "client_id")),
                             json_string_value(json_object_get(client, "client_secret")),
                             fixture.client_header, sizeof(fixture.client_header));
        json_decref(client);
        lk_test_command_result_dispose(&result);
    }
}

static void test_instance_opens_either_master_key(void **state)
{
    char new_file[1100];
    char old_file[1100];
    const char *const environment[] = {new_file, old_file, NULL};
    char expected[128];

    (void)state;
    snprintf(new_file, sizeof(new_file), "LATCHKEY_MASTER_KEY_FILE=%s", fixture.new_key_file);
    snprintf(old_file, sizeof(old_file), "LATCHKEY_PREVIOUS_MASTER_KEY_FILE=%s",
             fixture.old_key_file);
    assert_int_equal(lk_test_server_start(&fixture.server, "master-key-transition",
                                          fixture.base_url, environment),
                     0);

    snprintf(expected, sizeof(expected), "current id %s, previous id %s", fixture.new_id,
             fixture.old_id);
    assert_true(lk_test_server_log_contains(&fixture.server, expected));
    assert_instance_signs_with(fixture.first_kid);
}

static void test_rotate_reseals_every_key(void **state)
{
    char new_key_option[1100];
    const char *const arguments[] = {"master-key", "rotate", new_key_option, "--json", NULL};
    char *before = sealed_keys();
    char *after;
    char *audited;
    json_t *report;
    struct lk_test_command_result result;

    (void)state;
    snprintf(new_key_option, sizeof(new_key_option), "--new-key-file=%s", fixture.new_key_file);
    lk_test_latchkey_expect(arguments, 0, &result);
    report = json_loads(result.standard_output, 0, NULL);
    assert_non_null(report);
    assert_int_equal(json_integer_value(json_object_get(report, "resealed")), 1);
    assert_int_equal(json_integer_value(json_object_get(report, "unchanged")), 0);
    assert_string_equal(json_string_value(json_object_get(report, "master_key_id")),
                        fixture.new_id);
    assert_non_null(strstr(result.standard_error, "LATCHKEY_PREVIOUS_MASTER_KEY_FILE"));

    after = sealed_keys();
    assert_string_not_equal(before, after);
    audited = query_value("SELECT count(*) FROM audit_events WHERE event = 'master_key.rotated'"
                          " AND details @> '{\"resealed\": 1}'");
    assert_string_equal(audited, "1");

    /* The running instance kept serving and reopened the active key after the change. */
    assert_instance_signs_with(fixture.first_kid);

    free(audited);
    free(after);
    free(before);
    json_decref(report);
    lk_test_command_result_dispose(&result);
}

/* Condition: the instance publishes the kid in CONTEXT. */
static bool instance_lists(void *context)
{
    return lk_test_jwks_lists(fixture.base_url, context);
}

static void test_new_key_reaches_running_instance(void **state)
{
    static const char *const rotate[] = {"keys", "rotate", "--now", "--json", NULL};
    json_t *key;

    (void)state;
    setenv("LATCHKEY_MASTER_KEY_FILE", fixture.new_key_file, 1);
    key = lk_test_keys_command_json(rotate);
    snprintf(fixture.second_kid, sizeof(fixture.second_kid), "%s",
             json_string_value(json_object_get(key, "kid")));
    json_decref(key);

    assert_true(lk_test_wait_for(instance_lists, fixture.second_kid, LK_TEST_PROPAGATION_MS));
    assert_instance_signs_with(fixture.second_kid);
    assert_false(lk_test_server_log_contains(&fixture.server, "key reload failed"));
}

static void test_rotate_again_changes_nothing(void **state)
{
    char new_key_option[1100];
    const char *const arguments[] = {"master-key", "rotate", new_key_option, NULL};
    struct lk_test_command_result result;

    (void)state;
    snprintf(new_key_option, sizeof(new_key_option), "--new-key-file=%s", fixture.new_key_file);
    lk_test_latchkey_expect(arguments, 0, &result);
    assert_non_null(strstr(result.standard_output, "re-sealed 0 private key(s)"));
    assert_non_null(strstr(result.standard_output, "(2 sealed with it already)"));
    lk_test_command_result_dispose(&result);
}

static void test_unknown_master_key_changes_nothing(void **state)
{
    char other_key_option[1100];
    const char *const arguments[] = {"master-key", "rotate", other_key_option, NULL};
    char *before = sealed_keys();
    char *after;
    struct lk_test_command_result result;

    (void)state;
    snprintf(other_key_option, sizeof(other_key_option), "--new-key-file=%s",
             fixture.other_key_file);
    setenv("LATCHKEY_MASTER_KEY_FILE", fixture.other_key_file, 1);
    lk_test_latchkey_expect(arguments, LK_TEST_EXIT_FAILURE, &result);
    setenv("LATCHKEY_MASTER_KEY_FILE", fixture.new_key_file, 1);
    assert_non_null(strstr(result.standard_error, "nothing was changed"));

    after = sealed_keys();
    assert_string_equal(before, after);
    free(after);
    free(before);
    lk_test_command_result_dispose(&result);
}

static void test_old_master_key_alone_cannot_start(void **state)
{
    char old_file[1100];
    const char *const environment[] = {old_file, NULL};
    struct lk_test_server server;

    (void)state;
    assert_int_equal(lk_test_server_stop(&fixture.server), 0);
    assert_clean_log(&fixture.server);

    snprintf(old_file, sizeof(old_file), "LATCHKEY_MASTER_KEY_FILE=%s", fixture.old_key_file);
    assert_int_equal(lk_test_server_start(&server, "master-key-old", fixture.base_url, environment),
                     1);
    assert_true(
        lk_test_server_log_contains(&server, "start-up failed: cannot load the signing keys"));
    assert_true(lk_test_server_log_contains(&server, "could not be opened"));
}

static void test_new_master_key_alone_serves(void **state)
{
    char new_file[1100];
    const char *const environment[] = {new_file, "LATCHKEY_PREVIOUS_MASTER_KEY_FILE=", NULL};

    (void)state;
    snprintf(new_file, sizeof(new_file), "LATCHKEY_MASTER_KEY_FILE=%s", fixture.new_key_file);
    assert_int_equal(lk_test_server_start(&fixture.server, "master-key-new", fixture.base_url,
                                          environment),
                     0);
    assert_instance_signs_with(fixture.second_kid);
    assert_int_equal(lk_test_server_stop(&fixture.server), 0);
    assert_clean_log(&fixture.server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_database_with_old_master_key),
        cmocka_unit_test(test_instance_opens_either_master_key),
        cmocka_unit_test(test_rotate_reseals_every_key),
        cmocka_unit_test(test_new_key_reaches_running_instance),
        cmocka_unit_test(test_rotate_again_changes_nothing),
        cmocka_unit_test(test_unknown_master_key_changes_nothing),
        cmocka_unit_test(test_old_master_key_alone_cannot_start),
        cmocka_unit_test(test_new_master_key_alone_serves),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
