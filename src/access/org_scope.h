/*
 * Scoping an access token to an organisation: the token then carries "org_id" and
 * "role", and only a member gets one. Login uses this, and so does any other endpoint that
 * issues tokens for a chosen organisation, such as a refresh that switches organisation.
 * Synchronous, for worker threads.
 */
#ifndef LK_ACCESS_ORG_SCOPE_H
#define LK_ACCESS_ORG_SCOPE_H

#include "access/org_role.h"
#include "store/db.h"
#include "tokens/access_token.h"

typedef struct lk_org_scope {
    char org_id[37]; /* "" when the token is not scoped */
    lk_org_role_t role;
} lk_org_scope_t;

/*
 * Fills `scope` for `user_id` in `org_id`. An `org_id` that is NULL or "" gives an empty
 * scope and LK_STORE_OK without a query. Returns LK_STORE_NOT_FOUND when the user is not
 * a member (or the organisation does not exist), and `scope` is then empty.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_org_scope_resolve(
    PGconn *connection, const char *org_id, const char *user_id, lk_org_scope_t *scope);

/* Sets the org_id and role claims from a non-empty scope and leaves them NULL otherwise. */
void lk_org_scope_apply(const lk_org_scope_t *scope, lk_access_claims_t *claims);

/* Returns the scope's organisation id, or NULL when the scope is empty (for sessions.org_id). */
const char *lk_org_scope_org_id(const lk_org_scope_t *scope);

#endif
