/* Organisation and client test data; see org_fixtures.h. */
#include "support/org_fixtures.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "support/command.h"

const char *lk_test_unique_suffix(void)
{
    static char suffix[48];

    if (suffix[0] == '\0') {
        snprintf(suffix, sizeof(suffix), "p%ldt%lld", (long)getpid(), (long long)time(NULL));
    }
    return suffix;
}

/* Runs latchkey with ARGUMENTS and returns its --json output, failing unless it exits 0. */
static json_t *run_json(const char *const *arguments, const char *standard_input)
{
    struct lk_test_command_result result;
    json_error_t error;
    json_t *document;

    lk_test_run_latchkey(arguments, standard_input, &result);
    if (result.exit_status != 0) {
        fail_msg("latchkey %s %s exited %d: %.400s", arguments[0], arguments[1],
                 result.exit_status, result.standard_error);
    }
    document = json_loads(result.standard_output, 0, &error);
    if (document == NULL) {
        fail_msg("latchkey %s %s printed no JSON: %s", arguments[0], arguments[1], error.text);
    }
    lk_test_command_result_dispose(&result);
    return document;
}

static void copy_member(const json_t *object, const char *name, char *output, size_t size)
{
    const char *value = json_string_value(json_object_get(object, name));

    if (value == NULL || strlen(value) >= size) {
        fail_msg("command output lacks a usable \"%s\"", name);
    }
    memcpy(output, value, strlen(value) + 1);
}

void lk_test_make_user(const char *name, struct lk_test_user *user)
{
    static int counter;
    unsigned char random[12];
    char line[80];

    randombytes_buf(random, sizeof(random));
    snprintf(user->email, sizeof(user->email), "%s-%d-%s@example.test", name, ++counter,
             lk_test_unique_suffix());
    sodium_bin2hex(user->password, sizeof(user->password), random, sizeof(random));
    lk_test_record_token(user->password);
    snprintf(line, sizeof(line), "%s\n", user->password);

    const char *const arguments[] = {"users", "create", user->email, "--json", NULL};
    json_t *created = run_json(arguments, line);
    copy_member(created, "id", user->id, sizeof(user->id));
    json_decref(created);
}

void lk_test_make_org(const char *name, char slug[64], char id[37])
{
    static int counter;

    snprintf(slug, 64, "%s-%d-%s", name, ++counter, lk_test_unique_suffix());
    const char *const arguments[] = {"orgs", "create", slug, "--name", name, "--json", NULL};
    json_t *created = run_json(arguments, NULL);
    copy_member(created, "id", id, 37);
    json_decref(created);
}

void lk_test_add_member(const char *slug, const char *email, const char *role)
{
    const char *const arguments[] = {"orgs", "add-member", slug, email, "--role", role, "--json",
                                     NULL};
    json_decref(run_json(arguments, NULL));
}

void lk_test_remove_member(const char *slug, const char *email)
{
    const char *const arguments[] = {"orgs", "remove-member", slug, email, "--json", NULL};
    json_decref(run_json(arguments, NULL));
}

void lk_test_make_client(const char *name, const char *scopes, struct lk_test_client *client)
{
    const char *const arguments[] = {"clients", "create", name, "--scope", scopes, "--json",
                                     NULL};
    json_t *created = run_json(arguments, NULL);
    copy_member(created, "client_id", client->id, sizeof(client->id));
    copy_member(created, "client_secret", client->secret, sizeof(client->secret));
    lk_test_record_token(client->secret);
    json_decref(created);
}

void lk_test_revoke_client(const char *id)
{
    const char *const arguments[] = {"clients", "revoke", id, "--json", NULL};
    json_decref(run_json(arguments, NULL));
}

void lk_test_basic_header(const char *id, const char *secret, char *header, size_t size)
{
    char *encoded_id = curl_easy_escape(NULL, id, 0);
    char *encoded_secret = curl_easy_escape(NULL, secret, 0);
    char pair[512];
    char base64[700];

    assert_non_null(encoded_id);
    assert_non_null(encoded_secret);
    snprintf(pair, sizeof(pair), "%s:%s", encoded_id, encoded_secret);
    sodium_bin2base64(base64, sizeof(base64), (const unsigned char *)pair, strlen(pair),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(header, size, "Authorization: Basic %s", base64);
    curl_free(encoded_id);
    curl_free(encoded_secret);
}

void lk_test_suite_client_header(char *header, size_t size)
{
    lk_test_basic_header(lk_test_env("LK_TEST_CLIENT_ID"), lk_test_env("LK_TEST_CLIENT_SECRET"),
                         header, size);
}

void lk_test_bearer_header(const char *token, char *header, size_t size)
{
    snprintf(header, size, "Authorization: Bearer %s", token);
}

char *lk_test_login_token(const struct lk_test_user *user, const char *org_id)
{
    json_t *credentials = json_pack("{s:s, s:s}", "email", user->email, "password",
                                    user->password);
    struct lk_test_response response;

    if (org_id != NULL) {
        json_object_set_new(credentials, "org_id", json_string(org_id));
    }
    char *body = json_dumps(credentials, JSON_COMPACT);
    lk_test_post_json("/v1/login", body, &response);
    if (response.status != 200) {
        fail_msg("login of %s returned %ld: %.300s", user->email, response.status, response.body);
    }

    json_t *document = lk_test_json_body(&response);
    const char *token = json_string_value(json_object_get(document, "access_token"));
    assert_non_null(token);
    char *copy = strdup(token);
    assert_non_null(copy);
    lk_test_record_token(copy);
    lk_test_record_token(json_string_value(json_object_get(document, "refresh_token")));

    json_decref(document);
    lk_test_response_dispose(&response);
    free(body);
    json_decref(credentials);
    return copy;
}

void lk_test_request_with(const char *base_url, const char *method, const char *path,
                          const char *header, struct lk_test_response *response)
{
    const char *headers[] = {header, NULL};
    struct lk_test_request request = {
        .method = method,
        .path = path,
        .extra_headers = header != NULL ? headers : NULL,
        .base_url = base_url,
    };

    lk_test_send(&request, response);
}

void lk_test_post_json_with(const char *path, const char *body, const char *header,
                            struct lk_test_response *response)
{
    const char *headers[] = {header, NULL};
    struct lk_test_request request = {
        .method = "POST",
        .path = path,
        .content_type = "application/json",
        .body = body,
        .body_length = strlen(body),
        .extra_headers = header != NULL ? headers : NULL,
    };

    lk_test_send(&request, response);
}

char *lk_test_sql(const char *sql)
{
    PGconn *connection = PQconnectdb(lk_test_env("LK_TEST_DATABASE_URL"));
    PGresult *result;
    char *output;

    if (PQstatus(connection) != CONNECTION_OK) {
        fail_msg("connecting to the test database failed: %s", PQerrorMessage(connection));
    }
    result = PQexec(connection, sql);
    if (PQresultStatus(result) != PGRES_TUPLES_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
        fail_msg("SQL failed: %s: %s", sql, PQerrorMessage(connection));
    }
    output = strdup(PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0
                        ? PQgetvalue(result, 0, 0)
                        : "");
    assert_non_null(output);
    PQclear(result);
    PQfinish(connection);
    return output;
}
