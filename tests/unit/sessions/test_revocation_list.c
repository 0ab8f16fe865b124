/* Unit tests for src/sessions/revocation_list.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sessions/revocation_list.h"

enum { NOW = 1700000000, LATER = NOW + 900, MANY = 5000 };

static const char session_a[] = "0b7a4c9e-3f21-4d6b-9a8e-5c2f1e0d7b64";
static const char session_a_upper[] = "0B7A4C9E-3F21-4D6B-9A8E-5C2F1E0D7B64";
static const char session_b[] = "f3e2d1c0-b9a8-4765-8432-10fedcba9876";

static lk_revocation_entry_t entry(const char *session_id, int64_t expires_at)
{
    lk_revocation_entry_t value;

    memset(&value, 0, sizeof value);
    snprintf(value.session_id, sizeof value.session_id, "%s", session_id);
    value.expires_at = expires_at;
    return value;
}

static int setup_list(void **state)
{
    *state = lk_revocation_list_create();
    return *state != NULL ? 0 : -1;
}

static int teardown_list(void **state)
{
    lk_revocation_list_destroy(*state);
    return 0;
}

static bool contains(lk_revocation_list_t *list, const char *session_id, int64_t now)
{
    return lk_revocation_list_contains(list, session_id, strlen(session_id), now);
}

static void added_session_is_revoked(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t entries[] = {entry(session_a, LATER)};

    assert_int_equal(lk_revocation_list_add(list, entries, 1, NOW), 0);
    assert_true(contains(list, session_a, NOW));
    assert_false(contains(list, session_b, NOW));
}

static void lookup_ignores_hex_case(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t entries[] = {entry(session_a, LATER)};

    assert_int_equal(lk_revocation_list_add(list, entries, 1, NOW), 0);
    assert_true(contains(list, session_a_upper, NOW));
}

static void entry_stops_counting_at_expiry(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t entries[] = {entry(session_a, LATER)};

    assert_int_equal(lk_revocation_list_add(list, entries, 1, NOW), 0);
    assert_true(contains(list, session_a, LATER - 1));
    assert_false(contains(list, session_a, LATER));
}

static void expired_entry_is_not_added(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t entries[] = {entry(session_a, NOW)};

    assert_int_equal(lk_revocation_list_add(list, entries, 1, NOW), 0);
    assert_false(contains(list, session_a, NOW - 1));
    assert_int_equal(lk_revocation_list_size(list), 0);
}

static void later_expiry_wins(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t first[] = {entry(session_a, LATER + 100)};
    lk_revocation_entry_t second[] = {entry(session_a, LATER)};

    assert_int_equal(lk_revocation_list_add(list, first, 1, NOW), 0);
    assert_int_equal(lk_revocation_list_add(list, second, 1, NOW), 0);
    assert_true(contains(list, session_a, LATER + 50));
    assert_int_equal(lk_revocation_list_size(list), 1);
}

static void malformed_ids_are_skipped(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t entries[] = {
        entry("not-a-uuid", LATER),
        entry("0b7a4c9e03f21-4d6b-9a8e-5c2f1e0d7b64", LATER), /* hyphen replaced */
        entry("0b7a4c9e-3f21-4d6b-9a8e-5c2f1e0d7b6g", LATER), /* non-hex digit */
        entry("0b7a4c9e-3f21-4d6b-9a8e-5c2f1e0d7b6", LATER),  /* one digit short */
        entry(session_b, LATER),
    };

    assert_int_equal(lk_revocation_list_add(list, entries, 5, NOW), 4);
    assert_int_equal(lk_revocation_list_size(list), 1);
    assert_true(contains(list, session_b, NOW));
}

static void malformed_lookup_is_not_revoked(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t entries[] = {entry(session_a, LATER)};

    assert_int_equal(lk_revocation_list_add(list, entries, 1, NOW), 0);
    assert_false(lk_revocation_list_contains(list, session_a, strlen(session_a) - 1, NOW));
    assert_false(contains(list, "", NOW));
    assert_false(contains(list, "0b7a4c9e-3f21-4d6b-9a8e-5c2f1e0d7b64x", NOW));
}

/* Writes a distinct UUID text for `number`. */
static void numbered_uuid(unsigned number, char output[37])
{
    snprintf(output, 37, "%08x-0000-4000-8000-%012x", number * 2654435761u, number);
}

static void many_entries_all_found(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t *entries = calloc(MANY, sizeof *entries);
    char session_id[37];

    assert_non_null(entries);
    for (unsigned i = 0; i < MANY; i++) {
        numbered_uuid(i, session_id);
        entries[i] = entry(session_id, LATER);
    }
    /* Added in two calls, so that the table also grows between calls. */
    assert_int_equal(lk_revocation_list_add(list, entries, MANY / 2, NOW), 0);
    assert_int_equal(lk_revocation_list_add(list, entries + MANY / 2, MANY - MANY / 2, NOW), 0);
    assert_int_equal(lk_revocation_list_size(list), MANY);

    for (unsigned i = 0; i < MANY; i++) {
        assert_true(contains(list, entries[i].session_id, NOW));
    }
    numbered_uuid(MANY, session_id);
    assert_false(contains(list, session_id, NOW));
    free(entries);
}

static void growth_drops_expired_entries(void **state)
{
    lk_revocation_list_t *list = *state;
    lk_revocation_entry_t *entries = calloc(MANY, sizeof *entries);
    char session_id[37];

    assert_non_null(entries);
    for (unsigned i = 0; i < MANY; i++) {
        numbered_uuid(i, session_id);
        entries[i] = entry(session_id, i < MANY / 2 ? NOW + 10 : LATER);
    }
    assert_int_equal(lk_revocation_list_add(list, entries, MANY / 2, NOW), 0);

    /* At NOW + 10 the first half has expired; growing for the second half drops it. */
    assert_int_equal(lk_revocation_list_add(list, entries + MANY / 2, MANY - MANY / 2, NOW + 10),
                     0);
    assert_int_equal(lk_revocation_list_size(list), MANY - MANY / 2);
    assert_false(contains(list, entries[0].session_id, NOW));
    assert_true(contains(list, entries[MANY - 1].session_id, NOW + 10));
    free(entries);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(added_session_is_revoked, setup_list, teardown_list),
        cmocka_unit_test_setup_teardown(lookup_ignores_hex_case, setup_list, teardown_list),
        cmocka_unit_test_setup_teardown(entry_stops_counting_at_expiry, setup_list,
                                        teardown_list),
        cmocka_unit_test_setup_teardown(expired_entry_is_not_added, setup_list, teardown_list),
        cmocka_unit_test_setup_teardown(later_expiry_wins, setup_list, teardown_list),
        cmocka_unit_test_setup_teardown(malformed_ids_are_skipped, setup_list, teardown_list),
        cmocka_unit_test_setup_teardown(malformed_lookup_is_not_revoked, setup_list,
                                        teardown_list),
        cmocka_unit_test_setup_teardown(many_entries_all_found, setup_list, teardown_list),
        cmocka_unit_test_setup_teardown(growth_drops_expired_entries, setup_list, teardown_list),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
