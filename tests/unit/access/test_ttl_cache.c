/* Unit tests for src/access/ttl_cache.c. Times are passed in, so nothing here sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "access/ttl_cache.h"

#define TTL_MS 1000

static lk_ttl_cache_t *create(size_t max_entries)
{
    lk_ttl_cache_t *cache = lk_ttl_cache_create(TTL_MS, max_entries, sizeof(int));
    assert_non_null(cache);
    return cache;
}

static bool put(lk_ttl_cache_t *cache, const char *key, int value, int64_t now)
{
    return lk_ttl_cache_put(cache, key, &value, lk_ttl_cache_generation(cache), now);
}

static void stores_and_returns_values(void **state)
{
    lk_ttl_cache_t *cache = create(16);
    int value = 0;

    (void)state;
    assert_false(lk_ttl_cache_get(cache, "a", &value, 0));
    assert_true(put(cache, "a", 7, 0));
    assert_true(put(cache, "b", 8, 0));
    assert_true(lk_ttl_cache_get(cache, "a", &value, 10));
    assert_int_equal(value, 7);
    assert_true(put(cache, "a", 9, 20));
    assert_true(lk_ttl_cache_get(cache, "a", &value, 30));
    assert_int_equal(value, 9);
    assert_int_equal(lk_ttl_cache_count(cache), 2);
    lk_ttl_cache_destroy(cache);
}

static void entries_expire_after_ttl(void **state)
{
    lk_ttl_cache_t *cache = create(16);
    int value = 0;

    (void)state;
    assert_true(put(cache, "a", 1, 100));
    assert_true(lk_ttl_cache_get(cache, "a", &value, 100 + TTL_MS - 1));
    assert_false(lk_ttl_cache_get(cache, "a", &value, 100 + TTL_MS));
    assert_int_equal(lk_ttl_cache_count(cache), 0);
    lk_ttl_cache_destroy(cache);
}

static void remove_and_clear(void **state)
{
    lk_ttl_cache_t *cache = create(16);
    int value = 0;

    (void)state;
    assert_true(put(cache, "a", 1, 0));
    assert_true(put(cache, "b", 2, 0));
    lk_ttl_cache_remove(cache, "a");
    assert_false(lk_ttl_cache_get(cache, "a", &value, 1));
    assert_true(lk_ttl_cache_get(cache, "b", &value, 1));
    lk_ttl_cache_remove(cache, "missing");
    lk_ttl_cache_clear(cache);
    assert_false(lk_ttl_cache_get(cache, "b", &value, 1));
    assert_int_equal(lk_ttl_cache_count(cache), 0);
    lk_ttl_cache_destroy(cache);
}

/* A value read before an invalidation must not be stored after it. */
static void stale_generation_is_not_stored(void **state)
{
    lk_ttl_cache_t *cache = create(16);
    int value = 5;
    int found = 0;

    (void)state;
    uint64_t before = lk_ttl_cache_generation(cache);
    lk_ttl_cache_remove(cache, "a");
    assert_false(lk_ttl_cache_put(cache, "a", &value, before, 0));
    assert_false(lk_ttl_cache_get(cache, "a", &found, 0));

    before = lk_ttl_cache_generation(cache);
    lk_ttl_cache_clear(cache);
    assert_false(lk_ttl_cache_put(cache, "a", &value, before, 0));
    assert_true(lk_ttl_cache_put(cache, "a", &value, lk_ttl_cache_generation(cache), 0));
    lk_ttl_cache_destroy(cache);
}

static void full_cache_skips_new_keys(void **state)
{
    lk_ttl_cache_t *cache = create(4);
    char key[16];
    int value = 0;

    (void)state;
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_true(put(cache, key, i, 0));
    }
    assert_false(put(cache, "k4", 4, 1));
    assert_false(lk_ttl_cache_get(cache, "k4", &value, 1));
    /* Replacing an existing key still works when full. */
    assert_true(put(cache, "k0", 40, 1));
    assert_true(lk_ttl_cache_get(cache, "k0", &value, 1));
    assert_int_equal(value, 40);
    /* Once the entries have expired, the sweep makes room again. */
    assert_true(put(cache, "k5", 5, 2 * TTL_MS));
    assert_true(lk_ttl_cache_get(cache, "k5", &value, 2 * TTL_MS));
    lk_ttl_cache_destroy(cache);
}

static void disabled_cache_never_hits(void **state)
{
    lk_ttl_cache_t *cache = lk_ttl_cache_create(0, 16, sizeof(int));
    int value = 3;

    (void)state;
    assert_non_null(cache);
    assert_false(lk_ttl_cache_put(cache, "a", &value, lk_ttl_cache_generation(cache), 0));
    assert_false(lk_ttl_cache_get(cache, "a", &value, 0));
    lk_ttl_cache_destroy(cache);
}

static void long_and_empty_keys_are_not_cached(void **state)
{
    lk_ttl_cache_t *cache = create(16);
    char key[LK_TTL_CACHE_KEY_MAX_LENGTH + 2];
    int value = 1;

    (void)state;
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    assert_false(put(cache, key, 1, 0));
    assert_false(lk_ttl_cache_get(cache, key, &value, 0));
    assert_false(put(cache, "", 1, 0));
    key[LK_TTL_CACHE_KEY_MAX_LENGTH] = '\0';
    assert_true(put(cache, key, 1, 0));
    lk_ttl_cache_destroy(cache);
}

static void many_keys_stay_distinct(void **state)
{
    lk_ttl_cache_t *cache = create(2048);
    char key[32];
    int value = 0;

    (void)state;
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "org:%d", i);
        assert_true(put(cache, key, i, 0));
    }
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "org:%d", i);
        assert_true(lk_ttl_cache_get(cache, key, &value, 1));
        assert_int_equal(value, i);
    }
    lk_ttl_cache_destroy(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stores_and_returns_values),
        cmocka_unit_test(entries_expire_after_ttl),
        cmocka_unit_test(remove_and_clear),
        cmocka_unit_test(stale_generation_is_not_stored),
        cmocka_unit_test(full_cache_skips_new_keys),
        cmocka_unit_test(disabled_cache_never_hits),
        cmocka_unit_test(long_and_empty_keys_are_not_cached),
        cmocka_unit_test(many_keys_stay_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
