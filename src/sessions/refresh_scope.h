/*
 * The rule for the organisation a refresh scopes its access token to. A refresh may name an
 * organisation ("org_id" in the request) to switch the session to it; otherwise the
 * session stays in the organisation it has. Kept apart from the worker job so that the
 * rules can be tested alone. Pure, safe on any thread.
 */
#ifndef LK_SESSIONS_REFRESH_SCOPE_H
#define LK_SESSIONS_REFRESH_SCOPE_H

#include <stdbool.h>

/*
 * Returns the organisation the new access token is scoped to: `requested_org_id` when it
 * is not empty, else `session_org_id` when that is not empty, else NULL (no organisation).
 * Both arguments are lower-case UUID text or "", never NULL.
 */
const char *lk_refresh_scope_target(const char *requested_org_id, const char *session_org_id);

/*
 * Returns whether a retry may receive the successor that an earlier refresh with the same
 * token created. The earlier refresh has already moved the session to its organisation,
 * so a retry must name that organisation or none. A retry naming another organisation is
 * a different request that the used token can no longer serve.
 */
bool lk_refresh_scope_retry_matches(const char *requested_org_id, const char *session_org_id);

#endif
