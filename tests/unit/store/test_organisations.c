/* Unit tests for the pure parts of src/store/organisations.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/organisations.h"

static void slug_rules(void **state)
{
    static const char *const valid[] = {
        "a", "acme", "acme-inc", "0day", "a-",
        "abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz", /* 63 */
    };
    static const char *const invalid[] = {
        "", "-acme", "Acme", "acme inc", "acme_inc", "acme.inc", "ä",
        "abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0", /* 64 */
    };

    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        if (!lk_org_slug_is_valid(valid[i]))
            fail_msg("slug \"%s\" was rejected", valid[i]);
    }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        if (lk_org_slug_is_valid(invalid[i]))
            fail_msg("slug \"%s\" was accepted", invalid[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slug_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
