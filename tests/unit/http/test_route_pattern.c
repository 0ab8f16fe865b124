/* Unit tests for src/http/route_pattern.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/route_pattern.h"

#define ORG "3f2b9c0d-0e5a-4c4f-b1f1-b0a4c1f3d9e2"
#define USER "9a1e6b52-7c3d-4e8f-a0b1-c2d3e4f5a6b7"

typedef struct match_case {
    const char *pattern;
    const char *path;
    bool matches;
} match_case_t;

static const match_case_t cases[] = {
    {"/v1/login", "/v1/login", true},
    {"/v1/login", "/v1/login/", false},
    {"/v1/login", "/v1/logins", false},
    {"/v1/login", "/v1", false},
    {"/", "/", true},
    {"/v1/orgs/{uuid}/members", "/v1/orgs/" ORG "/members", true},
    {"/v1/orgs/{uuid}/members", "/v1/orgs/" ORG "/members/", false},
    {"/v1/orgs/{uuid}/members", "/v1/orgs//members", false},
    {"/v1/orgs/{uuid}/members", "/v1/orgs/not-a-uuid/members", false},
    {"/v1/orgs/{uuid}/members", "/v1/orgs/3f2b9c0d0e5a4c4fb1f1b0a4c1f3d9e2/members", false},
    {"/v1/orgs/{uuid}/members", "/v1/orgs/3f2b9c0d-0e5a-4c4f-b1f1-b0a4c1f3d9e/members", false},
    {"/v1/orgs/{uuid}/members", "/v1/orgs/3f2b9c0d-0e5a-4c4f-b1f1-b0a4c1f3d9eg/members", false},
    {"/v1/orgs/{uuid}/members", "/v1/orgs/" ORG "x/members", false},
    {"/v1/orgs/{uuid}/members/{uuid}", "/v1/orgs/" ORG "/members/" USER, true},
    {"/v1/orgs/{uuid}/members/{uuid}", "/v1/orgs/" ORG "/members/" USER "/x", false},
    {"/v1/orgs/{uuid}/members/{uuid}", "/v1/orgs/" ORG "/members", false},
    {"/v1/auth/{*}", "/v1/auth/", true},
    {"/v1/auth/{*}", "/v1/auth/api/things", true},
    {"/v1/auth/{*}", "/v1/auth", false},
    {"/v1/auth/{*}", "/v1/authx/y", false},
};

static void table_of_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const match_case_t *entry = &cases[i];
        bool matched = lk_route_pattern_match(entry->pattern, entry->path, strlen(entry->path),
                                              NULL);
        if (matched != entry->matches)
            fail_msg("pattern %s, path %s: expected %s", entry->pattern, entry->path,
                     entry->matches ? "a match" : "no match");
    }
}

static void captures_uuids_in_order(void **state)
{
    const char *path = "/v1/orgs/" ORG "/members/" USER;
    lk_path_params_t params;

    (void)state;
    assert_true(lk_route_pattern_match("/v1/orgs/{uuid}/members/{uuid}", path, strlen(path),
                                       &params));
    assert_int_equal(params.count, 2);
    assert_string_equal(params.values[0], ORG);
    assert_string_equal(params.values[1], USER);
}

static void captures_lower_case(void **state)
{
    const char *path = "/v1/orgs/3F2B9C0D-0E5A-4C4F-B1F1-B0A4C1F3D9E2/members";
    lk_path_params_t params;

    (void)state;
    assert_true(lk_route_pattern_match("/v1/orgs/{uuid}/members", path, strlen(path), &params));
    assert_int_equal(params.count, 1);
    assert_string_equal(params.values[0], ORG);
}

static void failed_match_clears_params(void **state)
{
    const char *path = "/v1/orgs/" ORG "/other";
    lk_path_params_t params = {.count = 2};

    (void)state;
    assert_false(lk_route_pattern_match("/v1/orgs/{uuid}/members", path, strlen(path), &params));
    assert_int_equal(params.count, 0);
}

static void uses_only_given_length(void **state)
{
    const char *path = "/v1/login?x=1";

    (void)state;
    assert_true(lk_route_pattern_match("/v1/login", path, strlen("/v1/login"), NULL));
    assert_false(lk_route_pattern_match("/v1/login", path, strlen(path), NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_of_matches),
        cmocka_unit_test(captures_uuids_in_order),
        cmocka_unit_test(captures_lower_case),
        cmocka_unit_test(failed_match_clears_params),
        cmocka_unit_test(uses_only_given_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
