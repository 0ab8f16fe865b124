/* The organisation of a refreshed access token; see refresh_scope.h. */
#include "sessions/refresh_scope.h"

#include <stddef.h>
#include <string.h>

const char *lk_refresh_scope_target(const char *requested_org_id, const char *session_org_id)
{
    if (requested_org_id[0] != '\0')
        return requested_org_id;
    if (session_org_id[0] != '\0')
        return session_org_id;
    return NULL;
}

bool lk_refresh_scope_retry_matches(const char *requested_org_id, const char *session_org_id)
{
    return requested_org_id[0] == '\0' || strcmp(requested_org_id, session_org_id) == 0;
}
