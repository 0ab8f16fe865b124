/* Tests for the keyed names of rate-limit state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "limits/limit_keys.h"

#include <stdio.h>
#include <string.h>

static const unsigned char first_key[LK_LIMIT_HASH_KEY_BYTES] = {1};
static const unsigned char second_key[LK_LIMIT_HASH_KEY_BYTES] = {2};

static lk_limit_query_t query_for(const char *subject, unsigned char address_byte)
{
    lk_limit_query_t query = {.address = {4, 198, 51, 100, address_byte}, .address_length = 5};
    snprintf(query.subject, sizeof(query.subject), "%s", subject);
    return query;
}

static lk_limit_key_t key_of(const unsigned char *hash_key, const char *policy,
                             lk_limit_scope_t scope, const lk_limit_query_t *query)
{
    lk_limit_key_t key;
    lk_limit_key_derive(hash_key, policy, scope, query, &key);
    return key;
}

static void redis_key_hides_subject_and_address(void **state)
{
    (void)state;
    lk_limit_query_t query = query_for("ada@example.com", 7);
    lk_limit_key_t key = key_of(first_key, "login-failures", LK_LIMIT_PER_SUBJECT_AND_ADDRESS,
                                &query);

    assert_int_equal(strncmp(key.redis, "lk:rl:login-failures:", 21), 0);
    assert_int_equal(strlen(key.redis), 21 + 32);
    assert_null(strstr(key.redis, "ada"));
    assert_null(strstr(key.redis, "example"));
    assert_null(strstr(key.redis, "198.51"));
}

static void same_inputs_give_same_key(void **state)
{
    (void)state;
    lk_limit_query_t query = query_for("ada@example.com", 7);
    lk_limit_key_t first = key_of(first_key, "login-ip", LK_LIMIT_PER_ADDRESS, &query);
    lk_limit_key_t again = key_of(first_key, "login-ip", LK_LIMIT_PER_ADDRESS, &query);
    assert_string_equal(first.redis, again.redis);
    assert_memory_equal(first.digest, again.digest, LK_LIMIT_DIGEST_BYTES);
}

static void keys_differ_by_each_input(void **state)
{
    (void)state;
    lk_limit_query_t query = query_for("ada@example.com", 7);
    lk_limit_query_t other_address = query_for("ada@example.com", 8);
    lk_limit_query_t other_subject = query_for("grace@example.com", 7);
    lk_limit_key_t base = key_of(first_key, "login-failures", LK_LIMIT_PER_SUBJECT_AND_ADDRESS,
                                 &query);

    assert_string_not_equal(base.redis,
                            key_of(first_key, "login-failures", LK_LIMIT_PER_SUBJECT_AND_ADDRESS,
                                   &other_address).redis);
    assert_string_not_equal(base.redis,
                            key_of(first_key, "login-failures", LK_LIMIT_PER_SUBJECT_AND_ADDRESS,
                                   &other_subject).redis);
    /* The digests differ, not only the policy names in front of them. */
    assert_string_not_equal(base.redis + 21,
                            key_of(first_key, "password-failures",
                                   LK_LIMIT_PER_SUBJECT_AND_ADDRESS, &query).redis + 24);
    assert_string_not_equal(base.redis,
                            key_of(second_key, "login-failures", LK_LIMIT_PER_SUBJECT_AND_ADDRESS,
                                   &query).redis);
}

static void scope_ignores_other_parts(void **state)
{
    (void)state;
    lk_limit_query_t query = query_for("ada@example.com", 7);
    lk_limit_query_t other_address = query_for("ada@example.com", 8);
    lk_limit_query_t other_subject = query_for("grace@example.com", 7);

    assert_string_equal(key_of(first_key, "login-account", LK_LIMIT_PER_SUBJECT, &query).redis,
                        key_of(first_key, "login-account", LK_LIMIT_PER_SUBJECT,
                               &other_address).redis);
    assert_string_equal(key_of(first_key, "login-ip", LK_LIMIT_PER_ADDRESS, &query).redis,
                        key_of(first_key, "login-ip", LK_LIMIT_PER_ADDRESS, &other_subject).redis);
}

/* Parts are length-prefixed, so moving bytes from one part to the next changes the key. */
static void parts_cannot_be_shifted(void **state)
{
    (void)state;
    lk_limit_query_t first = query_for("ab", 7);
    lk_limit_query_t second = query_for("a", 7);
    second.address[0] = 'b';
    memcpy(second.address + 1, first.address, 4);
    second.address_length = 5;
    first.address_length = 4;

    assert_string_not_equal(
        key_of(first_key, "x", LK_LIMIT_PER_SUBJECT_AND_ADDRESS, &first).redis,
        key_of(first_key, "x", LK_LIMIT_PER_SUBJECT_AND_ADDRESS, &second).redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redis_key_hides_subject_and_address),
        cmocka_unit_test(same_inputs_give_same_key),
        cmocka_unit_test(keys_differ_by_each_input),
        cmocka_unit_test(scope_ignores_other_parts),
        cmocka_unit_test(parts_cannot_be_shifted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
