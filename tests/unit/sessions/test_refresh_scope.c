/* Unit tests for src/sessions/refresh_scope.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sessions/refresh_scope.h"

#define ORG_A "0b6c1f0e-3d2a-4c5b-9e8f-7a6b5c4d3e2f"
#define ORG_B "7f1e2d3c-4b5a-4968-8776-655443322110"

typedef struct target_case {
    const char *name;
    const char *requested;
    const char *session;
    const char *expected; /* NULL: no organisation */
} target_case_t;

static const target_case_t target_cases[] = {
    {"unscoped session, no request", "", "", NULL},
    {"scoped session stays", "", ORG_A, ORG_A},
    {"switch from scoped session", ORG_B, ORG_A, ORG_B},
    {"switch from unscoped session", ORG_B, "", ORG_B},
    {"request of the same organisation", ORG_A, ORG_A, ORG_A},
};

static void target_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(target_cases) / sizeof(target_cases[0]); i++) {
        const target_case_t *c = &target_cases[i];
        const char *target = lk_refresh_scope_target(c->requested, c->session);

        if (c->expected == NULL && target != NULL)
            fail_msg("case \"%s\": got %s, expected no organisation", c->name, target);
        if (c->expected != NULL && (target == NULL || strcmp(target, c->expected) != 0))
            fail_msg("case \"%s\": got %s, expected %s", c->name,
                     target != NULL ? target : "no organisation", c->expected);
    }
}

typedef struct retry_case {
    const char *name;
    const char *requested;
    const char *session;
    bool expected;
} retry_case_t;

static const retry_case_t retry_cases[] = {
    {"no organisation named, unscoped session", "", "", true},
    {"no organisation named, scoped session", "", ORG_B, true},
    {"the session's organisation named", ORG_B, ORG_B, true},
    {"another organisation named", ORG_A, ORG_B, false},
    {"organisation named, unscoped session", ORG_A, "", false},
};

static void retry_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(retry_cases) / sizeof(retry_cases[0]); i++) {
        const retry_case_t *c = &retry_cases[i];

        if (lk_refresh_scope_retry_matches(c->requested, c->session) != c->expected)
            fail_msg("case \"%s\": expected %s", c->name, c->expected ? "a match" : "no match");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(target_table),
        cmocka_unit_test(retry_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
