/* Service-client scopes; see client_scopes.h. */
#include "access/client_scopes.h"

#include <stdio.h>
#include <string.h>

typedef struct scope_entry {
    lk_scope_set_t bit;
    const char *name;
} scope_entry_t;

static const scope_entry_t scope_table[] = {
    {LK_SCOPE_TOKENS_VERIFY, "tokens:verify"},
    {LK_SCOPE_MEMBERS_READ, "members:read"},
};

#define SCOPE_COUNT (sizeof scope_table / sizeof scope_table[0])

lk_scope_set_t lk_scope_find(const char *name, size_t length)
{
    for (size_t i = 0; i < SCOPE_COUNT; i++) {
        if (strlen(scope_table[i].name) == length &&
            memcmp(scope_table[i].name, name, length) == 0)
            return scope_table[i].bit;
    }
    return 0;
}

int lk_scopes_parse(const char *list, lk_scope_set_t *scopes, char *unknown, size_t unknown_size)
{
    *scopes = 0;
    if (unknown_size > 0)
        unknown[0] = '\0';

    const char *start = list;
    for (;;) {
        size_t length = strcspn(start, ",");
        lk_scope_set_t bit = lk_scope_find(start, length);
        if (bit == 0) {
            snprintf(unknown, unknown_size, "%.*s", (int)length, start);
            *scopes = 0;
            return -1;
        }
        *scopes |= bit;
        if (start[length] == '\0')
            return 0;
        start += length + 1;
    }
}

void lk_scopes_format(lk_scope_set_t scopes, char output[LK_SCOPE_LIST_MAX_LENGTH])
{
    output[0] = '\0';
    for (size_t i = 0; i < SCOPE_COUNT; i++) {
        if ((scopes & scope_table[i].bit) == 0)
            continue;
        if (output[0] != '\0')
            strncat(output, ",", LK_SCOPE_LIST_MAX_LENGTH - strlen(output) - 1);
        strncat(output, scope_table[i].name, LK_SCOPE_LIST_MAX_LENGTH - strlen(output) - 1);
    }
}

const char *lk_scope_name(lk_scope_set_t scope)
{
    for (size_t i = 0; i < SCOPE_COUNT; i++) {
        if (scope_table[i].bit == scope)
            return scope_table[i].name;
    }
    return NULL;
}

const char *lk_scopes_known(void)
{
    return "tokens:verify, members:read";
}
