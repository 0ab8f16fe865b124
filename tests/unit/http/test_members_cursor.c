/* Unit tests for src/http/members_cursor.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/members_cursor.h"

#define ORG "3f2b9c0d-0e5a-4c4f-b1f1-b0a4c1f3d9e2"
#define OTHER_ORG "00000000-0000-4000-8000-000000000000"
#define USER "9a1e6b52-7c3d-4e8f-a0b1-c2d3e4f5a6b7"

static void round_trips(void **state)
{
    char cursor[LK_MEMBERS_CURSOR_SIZE];
    char user_id[37];

    (void)state;
    lk_members_cursor_encode(ORG, USER, cursor);
    assert_true(strlen(cursor) > 0);
    assert_int_equal(lk_members_cursor_decode(cursor, strlen(cursor), ORG, user_id), 0);
    assert_string_equal(user_id, USER);
}

static void rejects_other_organisation(void **state)
{
    char cursor[LK_MEMBERS_CURSOR_SIZE];
    char user_id[37];

    (void)state;
    lk_members_cursor_encode(ORG, USER, cursor);
    assert_int_equal(lk_members_cursor_decode(cursor, strlen(cursor), OTHER_ORG, user_id), -1);
}

static void rejects_malformed_cursors(void **state)
{
    static const char *const malformed[] = {
        "",
        "not base64!",
        "bTEu",                                   /* "m1." only */
        "eDEuM2YyYjljMGQtMGU1YS00YzRmLWIxZjEtYjBhNGMxZjNkOWUyLjlhMWU2YjUyLTdjM2QtNGU4Zi1hMGIx"
        "LWMyZDNlNGY1YTZiNw",                     /* prefix "x1." */
        "bTEuM2YyYjljMGQtMGU1YS00YzRmLWIxZjEtYjBhNGMxZjNkOWUyLm5vdC1hLXV1aWQtYXQtYWxsLWF0LWFs"
        "bC1hdC1hbGwteHh4eA",                     /* user part is not a UUID */
    };
    char user_id[37];

    (void)state;
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        if (lk_members_cursor_decode(malformed[i], strlen(malformed[i]), ORG, user_id) != -1)
            fail_msg("cursor \"%s\" was accepted", malformed[i]);
    }
}

static void rejects_changed_character(void **state)
{
    char cursor[LK_MEMBERS_CURSOR_SIZE];
    char user_id[37];

    (void)state;
    lk_members_cursor_encode(ORG, USER, cursor);
    cursor[0] = cursor[0] == 'b' ? 'c' : 'b';
    assert_int_equal(lk_members_cursor_decode(cursor, strlen(cursor), ORG, user_id), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trips),
        cmocka_unit_test(rejects_other_organisation),
        cmocka_unit_test(rejects_malformed_cursors),
        cmocka_unit_test(rejects_changed_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
