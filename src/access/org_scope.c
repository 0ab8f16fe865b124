/* Organisation-scoped tokens; see org_scope.h. */
#include "access/org_scope.h"

#include "store/memberships.h"
#include "validate/request_schema.h"
#include "validate/uuid_text.h"

#include <string.h>

lk_store_result_t lk_org_scope_resolve(PGconn *connection, const char *org_id,
                                       const char *user_id, lk_org_scope_t *scope)
{
    memset(scope, 0, sizeof *scope);
    if (org_id == NULL || org_id[0] == '\0')
        return LK_STORE_OK;
    if (!lk_format_is_uuid(org_id, strlen(org_id)))
        return LK_STORE_NOT_FOUND;

    lk_org_role_t role = LK_ROLE_NONE;
    lk_store_result_t result = lk_store_membership_find(connection, org_id, user_id, &role);
    if (result == LK_STORE_OK) {
        lk_uuid_copy_lower(org_id, scope->org_id);
        scope->role = role;
    }
    return result;
}

void lk_org_scope_apply(const lk_org_scope_t *scope, lk_access_claims_t *claims)
{
    claims->org_id = lk_org_scope_org_id(scope);
    claims->role = claims->org_id != NULL ? lk_org_role_name(scope->role) : NULL;
}

const char *lk_org_scope_org_id(const lk_org_scope_t *scope)
{
    return scope->org_id[0] != '\0' ? scope->org_id : NULL;
}
