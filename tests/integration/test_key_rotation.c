/* End-to-end checks that key changes reach both running instances within seconds. The
 * JWKS, signing and the verify endpoint switch together. Tokens of a retired key keep
 * verifying and tokens of a revoked key stop verifying. Both instances serve the same
 * JWKS with the same ETag, and due removals wipe the private key. Both instances reload
 * their keys only every 30 seconds without notifications, so passing within
 * LK_TEST_PROPAGATION_MS shows that NOTIFY reached them. Every test leaves an active
 * ES256 key. */
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
#include "support/response_checks.h"
#include "support/token_parts.h"

/* The two instances, as tests/run.sh starts them. */
static const char *instances[2];

static int setup(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    instances[0] = lk_test_env("LK_TEST_BASE_URL");
    instances[1] = lk_test_env("LK_TEST_SECOND_BASE_URL");
    return 0;
}

/* Returns the member "kid" of a key printed by a keys command. */
static const char *kid_of(const json_t *key)
{
    return json_string_value(json_object_get(key, "kid"));
}

/* Condition: both instances publish the kid in CONTEXT. */
static bool both_list(void *context)
{
    return lk_test_jwks_lists(instances[0], context) && lk_test_jwks_lists(instances[1], context);
}

/* Condition: neither instance publishes the kid in CONTEXT. */
static bool neither_lists(void *context)
{
    return !lk_test_jwks_lists(instances[0], context) && !lk_test_jwks_lists(instances[1], context);
}

/* Condition: both instances report the token in CONTEXT inactive. */
static bool inactive_on_both(void *context)
{
    return !lk_test_token_active_at(instances[0], context) &&
           !lk_test_token_active_at(instances[1], context);
}

/* Runs `keys rotate --now` with EXTRA arguments (NULL or "--alg", "RS256") and waits until
 * both instances publish the new key. Because the key is inserted and activated in one
 * transaction, an instance that publishes it also signs with it. Returns the printed key. */
static json_t *rotate_now_and_wait(const char *alg)
{
    const char *const plain[] = {"keys", "rotate", "--now", "--json", NULL};
    const char *const with_alg[] = {"keys", "rotate", "--now", "--alg", alg, "--json", NULL};
    json_t *key = lk_test_keys_command_json(alg != NULL ? with_alg : plain);

    if (!lk_test_wait_for(both_list, (void *)kid_of(key), LK_TEST_PROPAGATION_MS)) {
        fail_msg("key %s was not published by both instances within %d ms", kid_of(key),
                 LK_TEST_PROPAGATION_MS);
    }
    return key;
}

/* Logs in at BASE_URL and fails the test unless the token's header names KID and ALG. */
static void assert_signs_with(const char *base_url, const char *kid, const char *alg,
                              struct lk_test_tokens *tokens)
{
    json_t *header;

    lk_test_login_at(base_url, lk_test_env("LK_TEST_USER_EMAIL"),
                     lk_test_env("LK_TEST_USER_PASSWORD"), tokens);
    header = lk_test_token_segment_json(tokens->access_token, 0);
    assert_string_equal(json_string_value(json_object_get(header, "kid")), kid);
    assert_string_equal(json_string_value(json_object_get(header, "alg")), alg);
    json_decref(header);
}

static void test_rotation_reaches_both_instances(void **state)
{
    json_t *key = rotate_now_and_wait(NULL);
    struct lk_test_tokens first;
    struct lk_test_tokens second;

    (void)state;
    assert_signs_with(instances[0], kid_of(key), "ES256", &first);
    assert_signs_with(instances[1], kid_of(key), "ES256", &second);
    assert_true(lk_test_token_active_at(instances[1], first.access_token));
    assert_true(lk_test_token_active_at(instances[0], second.access_token));

    lk_test_tokens_dispose(&second);
    lk_test_tokens_dispose(&first);
    json_decref(key);
}

static void test_rs256_rotation_signs_rs256(void **state)
{
    json_t *rs256 = rotate_now_and_wait("RS256");
    struct lk_test_tokens es256_tokens;
    struct lk_test_tokens tokens;
    json_t *es256;

    (void)state;
    assert_signs_with(instances[1], kid_of(rs256), "RS256", &tokens);
    assert_true(lk_test_token_active_at(instances[0], tokens.access_token));

    es256 = rotate_now_and_wait("ES256");
    assert_signs_with(instances[0], kid_of(es256), "ES256", &es256_tokens);
    /* The RS256 token was signed by a key that is now retired. */
    assert_true(lk_test_token_active_at(instances[1], tokens.access_token));

    lk_test_tokens_dispose(&es256_tokens);
    lk_test_tokens_dispose(&tokens);
    json_decref(es256);
    json_decref(rs256);
}

static void test_retired_then_revoked_key_tokens(void **state)
{
    char *old_kid = lk_test_active_kid();
    struct lk_test_tokens tokens;
    json_t *key;

    (void)state;
    assert_signs_with(instances[0], old_kid, "ES256", &tokens);
    key = rotate_now_and_wait(NULL);

    /* Retired: still published, its tokens verify on both instances until they expire. */
    for (size_t i = 0; i < 2; i++) {
        assert_true(lk_test_jwks_lists(instances[i], old_kid));
        assert_true(lk_test_token_active_at(instances[i], tokens.access_token));
    }

    /* Revoked: unpublished and its tokens rejected by both instances within seconds. */
    {
        const char *const arguments[] = {"keys", "revoke", old_kid, NULL};
        struct lk_test_command_result result;
        lk_test_latchkey_expect(arguments, 0, &result);
        lk_test_command_result_dispose(&result);
    }
    if (!lk_test_wait_for(inactive_on_both, tokens.access_token, LK_TEST_PROPAGATION_MS)) {
        fail_msg("a token of the revoked key %s still verified after %d ms", old_kid,
                 LK_TEST_PROPAGATION_MS);
    }
    assert_true(neither_lists(old_kid));

    lk_test_tokens_dispose(&tokens);
    json_decref(key);
    free(old_kid);
}

static void test_revoked_active_key_tokens(void **state)
{
    static const char *const create[] = {"keys", "create", "--json", NULL};
    char *old_kid;
    struct lk_test_tokens tokens;
    struct lk_test_tokens successor_tokens;
    json_t *successor;

    (void)state;
    lk_test_retire_pending_keys();
    old_kid = lk_test_active_kid();
    assert_signs_with(instances[1], old_kid, "ES256", &tokens);
    successor = lk_test_keys_command_json(create);
    if (!lk_test_wait_for(both_list, (void *)kid_of(successor), LK_TEST_PROPAGATION_MS)) {
        fail_msg("pending key %s was not published by both instances", kid_of(successor));
    }

    {
        const char *const arguments[] = {"keys", "revoke", old_kid, NULL};
        struct lk_test_command_result result;
        lk_test_latchkey_expect(arguments, 0, &result);
        lk_test_command_result_dispose(&result);
    }
    if (!lk_test_wait_for(inactive_on_both, tokens.access_token, LK_TEST_PROPAGATION_MS)) {
        fail_msg("a token of the revoked active key still verified after %d ms",
                 LK_TEST_PROPAGATION_MS);
    }
    assert_signs_with(instances[0], kid_of(successor), "ES256", &successor_tokens);
    assert_true(lk_test_token_active_at(instances[1], successor_tokens.access_token));

    lk_test_tokens_dispose(&successor_tokens);
    lk_test_tokens_dispose(&tokens);
    json_decref(successor);
    free(old_kid);
}

/* Fetches the JWKS from BASE_URL, with IF_NONE_MATCH (or none) as If-None-Match. */
static void get_jwks(const char *base_url, const char *if_none_match,
                     struct lk_test_response *response)
{
    char header[256];
    const char *const headers[] = {header, NULL};
    struct lk_test_request request = {
        .path = "/.well-known/jwks.json",
        .base_url = base_url,
        .extra_headers = if_none_match != NULL ? headers : NULL,
    };

    snprintf(header, sizeof(header), "If-None-Match: %s",
             if_none_match != NULL ? if_none_match : "");
    lk_test_send(&request, response);
}

/* Condition: both instances serve the same ETag. */
static bool same_etag(void *context)
{
    struct lk_test_response first;
    struct lk_test_response second;
    bool same;

    (void)context;
    get_jwks(instances[0], NULL, &first);
    get_jwks(instances[1], NULL, &second);
    same = lk_test_header(&first, "ETag") != NULL && lk_test_header(&second, "ETag") != NULL &&
           strcmp(lk_test_header(&first, "ETag"), lk_test_header(&second, "ETag")) == 0;
    lk_test_response_dispose(&second);
    lk_test_response_dispose(&first);
    return same;
}

static void test_jwks_etag_same_on_both_instances(void **state)
{
    struct lk_test_response first;
    struct lk_test_response second;
    struct lk_test_response conditional;
    char weak[128];

    (void)state;
    assert_true(lk_test_wait_for(same_etag, NULL, LK_TEST_PROPAGATION_MS));
    get_jwks(instances[0], NULL, &first);
    get_jwks(instances[1], NULL, &second);
    assert_int_equal(first.status, 200);
    assert_string_equal(lk_test_header(&first, "ETag"), lk_test_header(&second, "ETag"));
    assert_int_equal(first.body_length, second.body_length);
    assert_memory_equal(first.body, second.body, first.body_length);

    /* The ETag of one instance validates the other's copy, as behind a load balancer. */
    get_jwks(instances[1], lk_test_header(&first, "ETag"), &conditional);
    assert_int_equal(conditional.status, 304);
    assert_int_equal(conditional.body_length, 0);
    assert_string_equal(lk_test_header(&conditional, "ETag"), lk_test_header(&first, "ETag"));
    assert_non_null(strstr(lk_test_header(&conditional, "Cache-Control"), "max-age="));
    lk_test_response_dispose(&conditional);

    /* If-None-Match uses the weak comparison (RFC 9110, section 13.1.2). */
    snprintf(weak, sizeof(weak), "W/%s", lk_test_header(&first, "ETag"));
    get_jwks(instances[0], weak, &conditional);
    assert_int_equal(conditional.status, 304);
    lk_test_response_dispose(&conditional);

    get_jwks(instances[0], "\"an-older-key-set\"", &conditional);
    assert_int_equal(conditional.status, 200);
    lk_test_response_dispose(&conditional);

    lk_test_response_dispose(&second);
    lk_test_response_dispose(&first);
}

static void test_stale_etag_gets_new_key_set(void **state)
{
    struct lk_test_response before;
    struct lk_test_response after;
    json_t *key;
    char *old_etag;

    (void)state;
    get_jwks(instances[0], NULL, &before);
    old_etag = strdup(lk_test_header(&before, "ETag"));
    key = rotate_now_and_wait(NULL);

    for (size_t i = 0; i < 2; i++) {
        get_jwks(instances[i], old_etag, &after);
        assert_int_equal(after.status, 200);
        assert_string_not_equal(lk_test_header(&after, "ETag"), old_etag);
        lk_test_response_dispose(&after);
    }

    json_decref(key);
    free(old_etag);
    lk_test_response_dispose(&before);
}

/* Returns a sorted, comma-separated list of the kids in the JWKS at BASE_URL. */
static char *jwks_kid_list(const char *base_url)
{
    struct lk_test_request request = {.path = "/.well-known/jwks.json", .base_url = base_url};
    struct lk_test_response response;
    json_t *jwks;
    json_t *kids = json_array();
    size_t index;
    json_t *key;
    char *text;

    lk_test_send(&request, &response);
    jwks = lk_test_json_body(&response);
    json_array_foreach(json_object_get(jwks, "keys"), index, key) {
        json_array_append(kids, json_object_get(key, "kid"));
    }
    text = json_dumps(kids, JSON_COMPACT);
    json_decref(kids);
    json_decref(jwks);
    lk_test_response_dispose(&response);
    return text;
}

/* Condition: both instances publish exactly the kid list in CONTEXT. */
static bool both_publish(void *context)
{
    char *first = jwks_kid_list(instances[0]);
    char *second = jwks_kid_list(instances[1]);
    bool match = strcmp(first, context) == 0 && strcmp(second, context) == 0;

    free(second);
    free(first);
    return match;
}

/* Returns the kids of the published keys in `keys list` order, which is the JWKS order. */
static char *published_kid_list(void)
{
    json_t *list = lk_test_keys_list();
    json_t *kids = json_array();
    size_t index;
    json_t *key;
    char *text;

    json_array_foreach(list, index, key) {
        const char *state = json_string_value(json_object_get(key, "state"));
        if (strcmp(state, "pending") == 0 || strcmp(state, "active") == 0 ||
            strcmp(state, "retired") == 0) {
            json_array_append(kids, json_object_get(key, "kid"));
        }
    }
    text = json_dumps(kids, JSON_COMPACT);
    json_decref(kids);
    json_decref(list);
    return text;
}

static void test_simultaneous_changes_converge(void **state)
{
    static const char *const create[] = {"keys", "create", "--json", NULL};
    json_t *first;
    json_t *second;
    struct lk_test_command_result result;
    char *expected;

    (void)state;
    lk_test_retire_pending_keys();

    /* Four changes in quick succession, each with its own notification. */
    first = lk_test_keys_command_json(create);
    second = lk_test_keys_command_json(create);
    {
        const char *const activate[] = {"keys", "activate", kid_of(first), NULL};
        lk_test_latchkey_expect(activate, 0, &result);
        lk_test_command_result_dispose(&result);
    }
    {
        const char *const revoke[] = {"keys", "revoke", kid_of(second), NULL};
        lk_test_latchkey_expect(revoke, 0, &result);
        lk_test_command_result_dispose(&result);
    }

    expected = published_kid_list();
    if (!lk_test_wait_for(both_publish, expected, LK_TEST_PROPAGATION_MS)) {
        fail_msg("the instances did not converge on %s within %d ms", expected,
                 LK_TEST_PROPAGATION_MS);
    }

    free(expected);
    json_decref(second);
    json_decref(first);
}

/* Runs SQL with one parameter on the test database and returns its first value, or NULL. */
static char *query_value(const char *sql, const char *parameter)
{
    PGconn *connection = PQconnectdb(lk_test_env("LK_TEST_DATABASE_URL"));
    const char *values[] = {parameter};
    PGresult *result;
    char *value = NULL;

    assert_int_equal(PQstatus(connection), CONNECTION_OK);
    result = PQexecParams(connection, sql, parameter != NULL ? 1 : 0, NULL,
                          parameter != NULL ? values : NULL, NULL, NULL, 0);
    if (PQresultStatus(result) != PGRES_TUPLES_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
        fail_msg("%s failed: %s", sql, PQerrorMessage(connection));
    }
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
        value = strdup(PQgetvalue(result, 0, 0));
    }
    PQclear(result);
    PQfinish(connection);
    return value;
}

/* Condition: the key in CONTEXT is removed. */
static bool is_removed(void *context)
{
    char *state = lk_test_key_state(context);
    bool removed = state != NULL && strcmp(state, "removed") == 0;

    free(state);
    return removed;
}

static void test_due_removal_wipes_private_key(void **state)
{
    char *retired;
    char *wiped;
    char *audited;
    struct lk_test_command_result result;

    (void)state;
    retired = query_value("SELECT kid FROM signing_keys WHERE state = 'retired'"
                          " AND private_key_sealed IS NOT NULL ORDER BY retired_at LIMIT 1",
                          NULL);
    assert_non_null(retired);

    /* Waiting for the real window (TTL + reload interval + leeway, over 20 minutes) is
     * not possible here, so the test brings the removal time forward and notifies. */
    free(query_value("UPDATE signing_keys SET remove_after = now() WHERE kid = $1", retired));
    free(query_value("NOTIFY latchkey_keys", NULL));
    if (!lk_test_wait_for(is_removed, retired, LK_TEST_PROPAGATION_MS)) {
        fail_msg("retired key %s was not removed within %d ms of its removal time", retired,
                 LK_TEST_PROPAGATION_MS);
    }

    wiped = query_value("SELECT (private_key_sealed IS NULL AND removed_at IS NOT NULL)::text"
                        " FROM signing_keys WHERE kid = $1",
                        retired);
    assert_string_equal(wiped, "true");
    audited = query_value("SELECT count(*) FROM audit_events WHERE event = 'key.removed'"
                          " AND subject = $1 AND actor LIKE 'rotator:%'",
                          retired);
    assert_string_equal(audited, "1");
    assert_true(lk_test_wait_for(neither_lists, retired, LK_TEST_PROPAGATION_MS));

    {
        const char *const arguments[] = {"keys", "revoke", retired, NULL};
        lk_test_latchkey_expect(arguments, LK_TEST_EXIT_FAILURE, &result);
        assert_non_null(strstr(result.standard_error, "it is removed already"));
        lk_test_command_result_dispose(&result);
    }

    free(audited);
    free(wiped);
    free(retired);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation_reaches_both_instances),
        cmocka_unit_test(test_rs256_rotation_signs_rs256),
        cmocka_unit_test(test_retired_then_revoked_key_tokens),
        cmocka_unit_test(test_revoked_active_key_tokens),
        cmocka_unit_test(test_jwks_etag_same_on_both_instances),
        cmocka_unit_test(test_stale_etag_gets_new_key_set),
        cmocka_unit_test(test_simultaneous_changes_converge),
        cmocka_unit_test(test_due_removal_wipes_private_key),
    };

    return cmocka_run_group_tests(tests, setup, lk_test_http_global_cleanup);
}
