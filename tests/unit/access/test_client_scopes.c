/* Unit tests for src/access/client_scopes.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "access/client_scopes.h"

typedef struct parse_case {
    const char *list;
    int status;
    lk_scope_set_t scopes;
    const char *unknown;
} parse_case_t;

static const parse_case_t cases[] = {
    {"tokens:verify", 0, LK_SCOPE_TOKENS_VERIFY, ""},
    {"members:read", 0, LK_SCOPE_MEMBERS_READ, ""},
    {"tokens:verify,members:read", 0, LK_SCOPE_TOKENS_VERIFY | LK_SCOPE_MEMBERS_READ, ""},
    {"members:read,tokens:verify,members:read", 0,
     LK_SCOPE_TOKENS_VERIFY | LK_SCOPE_MEMBERS_READ, ""},
    {"", -1, 0, ""},
    {"tokens:verify,", -1, 0, ""},
    {",tokens:verify", -1, 0, ""},
    {"tokens:verify,admin", -1, 0, "admin"},
    {"Tokens:Verify", -1, 0, "Tokens:Verify"},
    {"tokens:verify members:read", -1, 0, "tokens:verify members:read"},
};

static void parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lk_scope_set_t scopes = 99;
        char unknown[64] = "x";
        int status = lk_scopes_parse(cases[i].list, &scopes, unknown, sizeof unknown);
        if (status != cases[i].status || scopes != cases[i].scopes ||
            strcmp(unknown, cases[i].unknown) != 0)
            fail_msg("\"%s\": status %d, scopes %u, unknown \"%s\"", cases[i].list, status,
                     scopes, unknown);
    }
}

static void format_in_fixed_order(void **state)
{
    char text[LK_SCOPE_LIST_MAX_LENGTH];

    (void)state;
    lk_scopes_format(LK_SCOPE_MEMBERS_READ | LK_SCOPE_TOKENS_VERIFY, text);
    assert_string_equal(text, "tokens:verify,members:read");
    lk_scopes_format(0, text);
    assert_string_equal(text, "");
}

static void known_list_names_every_scope(void **state)
{
    (void)state;
    for (unsigned bit = 1; bit != 0; bit <<= 1) {
        const char *name = lk_scope_name(bit);
        if (name != NULL && strstr(lk_scopes_known(), name) == NULL)
            fail_msg("scope %s is missing from lk_scopes_known()", name);
    }
    assert_non_null(lk_scope_name(LK_SCOPE_TOKENS_VERIFY));
    assert_null(lk_scope_name(LK_SCOPE_TOKENS_VERIFY | LK_SCOPE_MEMBERS_READ));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_table),
        cmocka_unit_test(format_in_fixed_order),
        cmocka_unit_test(known_list_names_every_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
