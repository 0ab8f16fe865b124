/* Unit tests for the key-state names of src/store/signing_keys.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/signing_keys.h"

struct state_case {
    lk_key_state_t state;
    const char *name; /* as stored in signing_keys.state */
};

static const struct state_case state_cases[] = {
    {LK_KEY_PENDING, "pending"}, {LK_KEY_ACTIVE, "active"},   {LK_KEY_RETIRED, "retired"},
    {LK_KEY_REVOKED, "revoked"}, {LK_KEY_REMOVED, "removed"},
};

static void state_names_match_schema(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof state_cases / sizeof state_cases[0]; i++)
        assert_string_equal(lk_key_state_name(state_cases[i].state), state_cases[i].name);
}

static void state_parse_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof state_cases / sizeof state_cases[0]; i++) {
        lk_key_state_t parsed = (lk_key_state_t)-1;
        assert_int_equal(lk_key_state_parse(state_cases[i].name, &parsed), 0);
        assert_int_equal(parsed, state_cases[i].state);
    }
}

static void state_parse_rejects_other_text(void **state)
{
    (void)state;
    const char *invalid[] = {"", "Active", "ACTIVE", "active ", "unknown", "retire", "pending\n"};

    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        lk_key_state_t parsed = LK_KEY_REVOKED;
        assert_int_equal(lk_key_state_parse(invalid[i], &parsed), -1);
        assert_int_equal(parsed, LK_KEY_REVOKED);
    }
}

static void state_name_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(lk_key_state_name((lk_key_state_t)(LK_KEY_REMOVED + 1)), "unknown");
    assert_string_equal(lk_key_state_name((lk_key_state_t)-1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_names_match_schema),
        cmocka_unit_test(state_parse_round_trips),
        cmocka_unit_test(state_parse_rejects_other_text),
        cmocka_unit_test(state_name_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
