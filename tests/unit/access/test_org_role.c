/* Unit tests for src/access/org_role.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "access/org_role.h"

static lk_org_role_t parse(const char *text)
{
    return lk_org_role_parse(text, strlen(text));
}

static void parses_the_three_roles(void **state)
{
    (void)state;
    assert_int_equal(parse("owner"), LK_ROLE_OWNER);
    assert_int_equal(parse("admin"), LK_ROLE_ADMIN);
    assert_int_equal(parse("member"), LK_ROLE_MEMBER);
}

static void rejects_other_text(void **state)
{
    static const char *const rejected[] = {"", "none", "Owner", "owners", "own", " admin"};

    (void)state;
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
        assert_int_equal(parse(rejected[i]), LK_ROLE_NONE);
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int role = LK_ROLE_MEMBER; role <= LK_ROLE_OWNER; role++)
        assert_int_equal(parse(lk_org_role_name((lk_org_role_t)role)), role);
    assert_string_equal(lk_org_role_name(LK_ROLE_NONE), "none");
}

static void managers_are_owners_and_admins(void **state)
{
    (void)state;
    assert_true(lk_org_role_manages_members(LK_ROLE_OWNER));
    assert_true(lk_org_role_manages_members(LK_ROLE_ADMIN));
    assert_false(lk_org_role_manages_members(LK_ROLE_MEMBER));
    assert_false(lk_org_role_manages_members(LK_ROLE_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_the_three_roles),
        cmocka_unit_test(rejects_other_text),
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(managers_are_owners_and_admins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
