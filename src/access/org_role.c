/* Organisation roles; see org_role.h. */
#include "access/org_role.h"

#include <string.h>

static const char *const role_names[] = {
    [LK_ROLE_NONE] = "none",
    [LK_ROLE_MEMBER] = "member",
    [LK_ROLE_ADMIN] = "admin",
    [LK_ROLE_OWNER] = "owner",
};

lk_org_role_t lk_org_role_parse(const char *text, size_t length)
{
    for (int role = LK_ROLE_MEMBER; role <= LK_ROLE_OWNER; role++) {
        const char *name = role_names[role];
        if (strlen(name) == length && memcmp(name, text, length) == 0)
            return (lk_org_role_t)role;
    }
    return LK_ROLE_NONE;
}

const char *lk_org_role_name(lk_org_role_t role)
{
    if (role < LK_ROLE_NONE || role > LK_ROLE_OWNER)
        return "none";
    return role_names[role];
}

bool lk_org_role_manages_members(lk_org_role_t role)
{
    return role == LK_ROLE_OWNER || role == LK_ROLE_ADMIN;
}
