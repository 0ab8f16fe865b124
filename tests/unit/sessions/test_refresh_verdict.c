/* Unit tests for src/sessions/refresh_verdict.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sessions/refresh_verdict.h"

enum { SEALED = 1 };

typedef struct verdict_case {
    const char *name;
    bool used;
    bool within_grace;
    bool successor_unused;
    int sealed;
    bool revoked;
    bool expired;
    bool disabled;
    lk_refresh_verdict_t expected;
} verdict_case_t;

static const verdict_case_t cases[] = {
    {"retry within grace", true, true, true, SEALED, false, false, false,
     LK_REFRESH_VERDICT_RETRY},
    {"reuse after grace", true, false, true, SEALED, false, false, false,
     LK_REFRESH_VERDICT_REUSE},
    {"reuse when successor rotated", true, true, false, SEALED, false, false, false,
     LK_REFRESH_VERDICT_REUSE},
    {"reuse without sealed successor", true, true, true, 0, false, false, false,
     LK_REFRESH_VERDICT_REUSE},
    {"revoked beats reuse", true, false, false, SEALED, true, false, false,
     LK_REFRESH_VERDICT_REVOKED},
    {"revoked beats retry", true, true, true, SEALED, true, false, false,
     LK_REFRESH_VERDICT_REVOKED},
    {"revoked unused token", false, false, false, 0, true, false, false,
     LK_REFRESH_VERDICT_REVOKED},
    {"disabled user", false, false, false, 0, false, false, true,
     LK_REFRESH_VERDICT_USER_DISABLED},
    {"disabled beats retry", true, true, true, SEALED, false, false, true,
     LK_REFRESH_VERDICT_USER_DISABLED},
    {"revoked beats disabled", false, false, false, 0, true, false, true,
     LK_REFRESH_VERDICT_REVOKED},
    {"expired unused token", false, false, false, 0, false, true, false,
     LK_REFRESH_VERDICT_EXPIRED},
    {"expired beats reuse", true, false, true, SEALED, false, true, false,
     LK_REFRESH_VERDICT_EXPIRED},
    {"expired beats retry", true, true, true, SEALED, false, true, false,
     LK_REFRESH_VERDICT_EXPIRED},
    {"unused yet not rotated", false, false, false, 0, false, false, false,
     LK_REFRESH_VERDICT_NOT_ROTATED},
};

static lk_refresh_token_state_t state_of(const verdict_case_t *c)
{
    lk_refresh_token_state_t state;

    memset(&state, 0, sizeof state);
    state.used = c->used;
    state.used_within_grace = c->within_grace;
    state.successor_unused = c->successor_unused;
    state.session_revoked = c->revoked;
    state.session_expired = c->expired;
    state.user_disabled = c->disabled;
    if (c->sealed == SEALED) {
        snprintf(state.successor_sealed, sizeof state.successor_sealed, "v1.sealed");
    }
    return state;
}

static void verdict_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lk_refresh_token_state_t token = state_of(&cases[i]);
        lk_refresh_verdict_t verdict = lk_refresh_verdict(&token);

        if (verdict != cases[i].expected) {
            fail_msg("case \"%s\": got %s, expected %s", cases[i].name,
                     lk_refresh_verdict_name(verdict), lk_refresh_verdict_name(cases[i].expected));
        }
    }
}

static void verdict_names_are_distinct(void **state)
{
    static const lk_refresh_verdict_t verdicts[] = {
        LK_REFRESH_VERDICT_REVOKED, LK_REFRESH_VERDICT_USER_DISABLED, LK_REFRESH_VERDICT_EXPIRED,
        LK_REFRESH_VERDICT_RETRY,   LK_REFRESH_VERDICT_REUSE,         LK_REFRESH_VERDICT_NOT_ROTATED,
    };
    size_t count = sizeof(verdicts) / sizeof(verdicts[0]);

    (void)state;
    for (size_t i = 0; i < count; i++) {
        for (size_t j = i + 1; j < count; j++) {
            assert_string_not_equal(lk_refresh_verdict_name(verdicts[i]),
                                    lk_refresh_verdict_name(verdicts[j]));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdict_table),
        cmocka_unit_test(verdict_names_are_distinct),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
