/*
 * Authentication and authorisation of the callers of the organisation endpoints. A caller
 * is either a service client with HTTP Basic credentials and the scope members:read, or a
 * user with a Bearer access token who belongs to the organisation (some endpoints also
 * require the owner or admin role). Outsiders get one 403 whether or not the
 * organisation exists.
 */
#ifndef LK_HTTP_ORG_CALLER_H
#define LK_HTTP_ORG_CALLER_H

#include "http/access_lookup.h"
#include "http/basic_credentials.h"
#include "http/request.h"

#include <stdbool.h>

typedef enum lk_caller_kind {
    LK_CALLER_CLIENT = 1,
    LK_CALLER_USER,
} lk_caller_kind_t;

typedef struct lk_org_caller {
    lk_caller_kind_t kind;
    lk_basic_credentials_t credentials; /* a client's; wiped by lk_org_caller_wipe */
    char user_id[37];                   /* a user's: the token's "sub" */
    char token_org_id[37];              /* a user's: the token's "org_id", or "" */
    size_t membership_index;            /* a user's: index of their own membership query */
} lk_org_caller_t;

/*
 * Reads the caller from the Authorization header, verifying a Bearer token on the loop.
 * Returns 0, or -1 after sending 401 (with a Basic and a Bearer challenge when no
 * credentials were sent).
 */
__attribute__((warn_unused_result)) int lk_org_caller_identify_or_respond(lk_request_t *request,
                                                                          lk_org_caller_t *caller);

/* Adds what authorising the caller for `org_id` needs to `lookup`. */
void lk_org_caller_prepare_lookup(lk_org_caller_t *caller, const char *org_id,
                                  lk_access_lookup_t *lookup);

/*
 * Decides with the completed `lookup` whether the caller may read `org_id`'s members:
 * a client needs members:read, and a user needs a membership (an owner or admin role when
 * `managers_only`) and a token that is not scoped to another organisation. Returns 0, or
 * -1 after sending 401 or 403.
 */
__attribute__((warn_unused_result)) int lk_org_caller_authorize_or_respond(
    lk_request_t *request, const lk_org_caller_t *caller, const char *org_id,
    const lk_access_lookup_t *lookup, bool managers_only);

/* Wipes the caller's credentials. */
void lk_org_caller_wipe(lk_org_caller_t *caller);

#endif
