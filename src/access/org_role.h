/*
 * The roles a user can hold in an organisation. The names are the values stored in
 * memberships.role and sent in tokens ("role" claim), API responses and X-Auth-Role.
 * Pure functions, safe on any thread.
 */
#ifndef LK_ACCESS_ORG_ROLE_H
#define LK_ACCESS_ORG_ROLE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum lk_org_role {
    LK_ROLE_NONE = 0, /* not a member */
    LK_ROLE_MEMBER,
    LK_ROLE_ADMIN,
    LK_ROLE_OWNER,
} lk_org_role_t;

/* Parses "owner", "admin" or "member" (exact, lower case). Returns LK_ROLE_NONE otherwise. */
lk_org_role_t lk_org_role_parse(const char *text, size_t length);

/* Returns "owner", "admin" or "member", or "none" for LK_ROLE_NONE. */
const char *lk_org_role_name(lk_org_role_t role);

/* Returns true for owners and admins, the roles that may list an organisation's members. */
bool lk_org_role_manages_members(lk_org_role_t role);

#endif
