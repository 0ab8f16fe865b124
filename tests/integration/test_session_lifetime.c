/* End-to-end checks of session lifetimes against the instances that tests/run.sh starts
 * with short settings: the idle timeout, the absolute lifetime, a retry after the grace
 * period, the grace period turned off, and the background pruner. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/database.h"
#include "support/http_client.h"
#include "support/session_client.h"

enum { PRUNE_WAIT_MS = 5000 };

static char *user_email;

static int setup_group(void **state)
{
    (void)state;
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    user_email = lk_test_create_user("lifetime");
    return 0;
}

static int teardown_group(void **state)
{
    free(user_email);
    lk_test_db_close();
    return lk_test_http_global_cleanup(state);
}

static const char *short_instance(void)
{
    return lk_test_env("LK_TEST_SHORT_BASE_URL");
}

static long env_seconds(const char *name)
{
    return strtol(lk_test_env(name), NULL, 10);
}

static void login_at(const char *base_url, struct lk_test_tokens *tokens)
{
    lk_test_login_at(base_url, user_email, LK_TEST_SESSION_PASSWORD, tokens);
}

/* Refreshes TOKEN at BASE_URL, expects STATUS, and on 200 replaces TOKEN by its successor
 * and returns the reported refresh_token_expires_in. */
static long long refresh_expecting(const char *base_url, char **token, long status)
{
    struct lk_test_refresh_result result;
    long long remaining = -1;

    lk_test_refresh(base_url, *token, &result);
    if (result.status != status) {
        fail_msg("refresh at %s returned %ld, expected %ld", base_url, result.status, status);
    }
    if (result.status == 200) {
        free(*token);
        *token = result.tokens.refresh_token;
        result.tokens.refresh_token = NULL;
        remaining = result.refresh_expires_in;
    }
    lk_test_refresh_result_dispose(&result);
    return remaining;
}

static void test_idle_timeout_ends_session(void **state)
{
    long idle = env_seconds("LK_TEST_SHORT_IDLE_TIMEOUT");
    struct lk_test_tokens tokens;
    char *token;

    (void)state;
    login_at(short_instance(), &tokens);
    token = strdup(tokens.refresh_token);

    /* A refresh inside the idle timeout works and reports the idle deadline. */
    long long remaining = refresh_expecting(short_instance(), &token, 200);
    assert_true(remaining <= idle);
    assert_true(remaining >= idle - 1);

    lk_test_sleep_ms(idle * 1000 + 700);
    refresh_expecting(short_instance(), &token, 401);

    free(token);
    lk_test_tokens_dispose(&tokens);
}

/* Refreshing more often than the idle timeout keeps the session only until its absolute
 * lifetime, and the reported remaining time shrinks towards it. */
static void test_absolute_lifetime_ends_session(void **state)
{
    long idle = env_seconds("LK_TEST_SHORT_IDLE_TIMEOUT");
    long lifetime = env_seconds("LK_TEST_SHORT_SESSION_TTL");
    long step_ms = (idle * 1000) * 2 / 3;
    long started = lk_test_now_ms();
    long long smallest = idle;
    struct lk_test_tokens tokens;
    char *token;

    (void)state;
    login_at(short_instance(), &tokens);
    token = strdup(tokens.refresh_token);

    while (lk_test_now_ms() - started + step_ms < lifetime * 1000 - 500) {
        lk_test_sleep_ms(step_ms);
        long long remaining = refresh_expecting(short_instance(), &token, 200);
        long left = lifetime - (lk_test_now_ms() - started) / 1000;
        assert_true(remaining <= idle);
        assert_true(remaining <= left + 1);
        if (remaining < smallest) {
            smallest = remaining;
        }
    }
    assert_true(smallest < idle);

    long wait_ms = lifetime * 1000 - (lk_test_now_ms() - started) + 700;
    if (wait_ms > 0) {
        lk_test_sleep_ms(wait_ms);
    }
    refresh_expecting(short_instance(), &token, 401);

    free(token);
    lk_test_tokens_dispose(&tokens);
}

static void test_retry_after_grace_is_reuse(void **state)
{
    long grace = env_seconds("LK_TEST_SHORT_GRACE_PERIOD");
    struct lk_test_tokens tokens;
    char *successor;
    char *session_id;
    const char *values[1];

    (void)state;
    login_at(short_instance(), &tokens);
    session_id = lk_test_session_of(tokens.refresh_token);
    successor = strdup(tokens.refresh_token);
    refresh_expecting(short_instance(), &successor, 200);

    lk_test_sleep_ms(grace * 1000 + 500);
    char *original = strdup(tokens.refresh_token);
    refresh_expecting(short_instance(), &original, 401);
    refresh_expecting(short_instance(), &successor, 401);

    values[0] = session_id;
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM audit_events"
                                        " WHERE event = 'session.refresh_token_reused'"
                                        " AND details->>'session_id' = $1", 1, values), 1);
    free(original);
    free(successor);
    free(session_id);
    lk_test_tokens_dispose(&tokens);
}

static void test_no_grace_period_revokes_retry(void **state)
{
    const char *no_grace = lk_test_env("LK_TEST_NO_GRACE_BASE_URL");
    struct lk_test_tokens tokens;
    char *successor;
    char *original;

    (void)state;
    login_at(no_grace, &tokens);
    successor = strdup(tokens.refresh_token);
    original = strdup(tokens.refresh_token);
    refresh_expecting(no_grace, &successor, 200);
    refresh_expecting(no_grace, &original, 401);
    refresh_expecting(no_grace, &successor, 401);

    free(original);
    free(successor);
    lk_test_tokens_dispose(&tokens);
}

/* Polls SQL (one integer result, one parameter) until it returns EXPECTED or times out. */
static long long wait_for_integer(const char *sql, const char *value, long long expected)
{
    const char *values[] = {value};
    long started = lk_test_now_ms();
    long long current;

    do {
        current = lk_test_db_integer(sql, 1, values);
        if (current == expected) {
            return current;
        }
        lk_test_sleep_ms(100);
    } while (lk_test_now_ms() - started < PRUNE_WAIT_MS);
    return current;
}

/* A session that ended long ago disappears with its refresh tokens. */
static void test_pruner_deletes_ended_session(void **state)
{
    struct lk_test_tokens tokens;
    char *session_id;
    const char *values[1];

    (void)state;
    login_at(NULL, &tokens);
    session_id = lk_test_session_of(tokens.refresh_token);
    values[0] = session_id;
    assert_int_equal(lk_test_db_command("UPDATE sessions SET created_at = now() - interval '2 days',"
                                        " expires_at = now() - interval '1 day',"
                                        " idle_expires_at = now() - interval '1 day'"
                                        " WHERE id = $1::uuid", 1, values), 1);

    assert_int_equal(wait_for_integer("SELECT count(*) FROM sessions WHERE id = $1::uuid",
                                      session_id, 0), 0);
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM refresh_tokens"
                                        " WHERE session_id = $1::uuid", 1, values), 0);
    free(session_id);
    lk_test_tokens_dispose(&tokens);
}

/* A sealed successor is cleared once no retry can open it any more. */
static void test_pruner_clears_sealed_successor(void **state)
{
    struct lk_test_tokens tokens;
    struct lk_test_refresh_result refreshed;
    char *session_id;
    const char *values[1];

    (void)state;
    login_at(NULL, &tokens);
    session_id = lk_test_session_of(tokens.refresh_token);
    lk_test_refresh(NULL, tokens.refresh_token, &refreshed);
    assert_int_equal(refreshed.status, 200);
    values[0] = session_id;
    assert_int_equal(lk_test_db_integer("SELECT count(*) FROM refresh_tokens"
                                        " WHERE session_id = $1::uuid"
                                        " AND successor_sealed LIKE 'v1.%'", 1, values), 1);

    assert_int_equal(lk_test_db_command("UPDATE refresh_tokens SET used_at = now() - interval '1 hour'"
                                        " WHERE session_id = $1::uuid AND used_at IS NOT NULL",
                                        1, values), 1);
    assert_int_equal(wait_for_integer("SELECT count(*) FROM refresh_tokens"
                                      " WHERE session_id = $1::uuid AND successor_sealed IS NOT NULL",
                                      session_id, 0), 0);

    free(session_id);
    lk_test_refresh_result_dispose(&refreshed);
    lk_test_tokens_dispose(&tokens);
}

/* A revocation written only to PostgreSQL reaches verify through the pruner's republication
 * and the resync of the revocation list (both every second on the short instance). */
static void test_database_revocation_reaches_verify(void **state)
{
    struct lk_test_tokens tokens;
    char *session_id;
    const char *values[1];

    (void)state;
    login_at(short_instance(), &tokens);
    assert_true(lk_test_token_active(short_instance(), tokens.access_token));
    session_id = lk_test_session_of(tokens.refresh_token);
    values[0] = session_id;
    assert_int_equal(lk_test_db_command("UPDATE sessions SET revoked_at = now(),"
                                        " revoked_reason = 'test' WHERE id = $1::uuid",
                                        1, values), 1);

    assert_true(lk_test_wait_inactive(short_instance(), tokens.access_token, PRUNE_WAIT_MS) >= 0);
    free(session_id);
    lk_test_tokens_dispose(&tokens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_timeout_ends_session),
        cmocka_unit_test(test_absolute_lifetime_ends_session),
        cmocka_unit_test(test_retry_after_grace_is_reuse),
        cmocka_unit_test(test_no_grace_period_revokes_retry),
        cmocka_unit_test(test_pruner_deletes_ended_session),
        cmocka_unit_test(test_pruner_clears_sealed_successor),
        cmocka_unit_test(test_database_revocation_reaches_verify),
    };

    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
