/* Unit tests for the notification handling of src/access/cache_listener.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "access/cache_listener.h"
#include "store/memberships.h"
#include "store/service_clients.h"

#define ORG "3f2b9c0d-0e5a-4c4f-b1f1-b0a4c1f3d9e2"
#define USER "9a1e6b52-7c3d-4e8f-a0b1-c2d3e4f5a6b7"
#define OTHER_USER "00000000-0000-4000-8000-000000000000"

static void put_membership(lk_access_cache_t *cache, const char *org, const char *user)
{
    char key[LK_MEMBERSHIP_KEY_SIZE];
    lk_membership_fact_t fact = {.state = LK_FACT_PRESENT, .role = LK_ROLE_ADMIN};
    lk_membership_cache_key(org, user, key);
    assert_true(lk_ttl_cache_put(cache->memberships, key, &fact,
                                 lk_ttl_cache_generation(cache->memberships),
                                 lk_monotonic_ms()));
}

static bool has_membership(lk_access_cache_t *cache, const char *org, const char *user)
{
    char key[LK_MEMBERSHIP_KEY_SIZE];
    lk_membership_fact_t fact;
    lk_membership_cache_key(org, user, key);
    return lk_ttl_cache_get(cache->memberships, key, &fact, lk_monotonic_ms());
}

static void put_client(lk_access_cache_t *cache, const char *id)
{
    lk_client_fact_t fact = {.state = LK_FACT_PRESENT};
    assert_true(lk_ttl_cache_put(cache->clients, id, &fact,
                                 lk_ttl_cache_generation(cache->clients), lk_monotonic_ms()));
}

static bool has_client(lk_access_cache_t *cache, const char *id)
{
    lk_client_fact_t fact;
    return lk_ttl_cache_get(cache->clients, id, &fact, lk_monotonic_ms());
}

static void membership_payload_removes_one_entry(void **state)
{
    lk_access_cache_t *cache = lk_access_cache_create(60, 60);

    (void)state;
    assert_non_null(cache);
    put_membership(cache, ORG, USER);
    put_membership(cache, ORG, OTHER_USER);
    /* Upper case in the payload names the same entry. */
    lk_cache_listener_apply(cache, LK_MEMBERSHIPS_CHANNEL,
                            "3F2B9C0D-0E5A-4C4F-B1F1-B0A4C1F3D9E2:" USER);
    assert_false(has_membership(cache, ORG, USER));
    assert_true(has_membership(cache, ORG, OTHER_USER));
    lk_access_cache_destroy(cache);
}

static void malformed_membership_payload_clears_all(void **state)
{
    static const char *const payloads[] = {"", "garbage", ORG, ORG ":", ":" USER,
                                           ORG ":" USER "x"};
    lk_access_cache_t *cache = lk_access_cache_create(60, 60);

    (void)state;
    assert_non_null(cache);
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        put_membership(cache, ORG, OTHER_USER);
        lk_cache_listener_apply(cache, LK_MEMBERSHIPS_CHANNEL, payloads[i]);
        if (has_membership(cache, ORG, OTHER_USER))
            fail_msg("payload \"%s\" did not clear the membership cache", payloads[i]);
    }
    lk_access_cache_destroy(cache);
}

static void client_payload_removes_client(void **state)
{
    lk_access_cache_t *cache = lk_access_cache_create(60, 60);

    (void)state;
    assert_non_null(cache);
    put_client(cache, "lkc_a");
    put_client(cache, "lkc_b");
    put_membership(cache, ORG, USER);
    lk_cache_listener_apply(cache, LK_CLIENTS_CHANNEL, "lkc_a");
    assert_false(has_client(cache, "lkc_a"));
    assert_true(has_client(cache, "lkc_b"));
    assert_true(has_membership(cache, ORG, USER));

    lk_cache_listener_apply(cache, LK_CLIENTS_CHANNEL, "");
    assert_false(has_client(cache, "lkc_b"));
    lk_access_cache_destroy(cache);
}

static void other_channels_are_ignored(void **state)
{
    lk_access_cache_t *cache = lk_access_cache_create(60, 60);

    (void)state;
    assert_non_null(cache);
    put_client(cache, "lkc_a");
    put_membership(cache, ORG, USER);
    lk_cache_listener_apply(cache, "latchkey_keys", "");
    assert_true(has_client(cache, "lkc_a"));
    assert_true(has_membership(cache, ORG, USER));
    lk_access_cache_destroy(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(membership_payload_removes_one_entry),
        cmocka_unit_test(malformed_membership_payload_clears_all),
        cmocka_unit_test(client_payload_removes_client),
        cmocka_unit_test(other_channels_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
