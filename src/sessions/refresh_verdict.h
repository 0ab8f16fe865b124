/*
 * The decision about a presented refresh token, taken from its state in PostgreSQL
 * (lk_store_refresh_token_find) and kept apart so that it can be tested alone. The refresh
 * job reads the state before rotating and again after a rotation that failed.
 * Pure, safe on any thread.
 */
#ifndef LK_SESSIONS_REFRESH_VERDICT_H
#define LK_SESSIONS_REFRESH_VERDICT_H

#include "store/refresh_tokens.h"

typedef enum lk_refresh_verdict {
    LK_REFRESH_VERDICT_REVOKED = 0, /* the session was ended before: reject */
    LK_REFRESH_VERDICT_USER_DISABLED, /* end the session if still open, then reject */
    LK_REFRESH_VERDICT_EXPIRED,     /* idle or absolute deadline passed: reject */
    LK_REFRESH_VERDICT_RETRY,       /* a retry within the grace period: return the successor */
    LK_REFRESH_VERDICT_REUSE,       /* a rotated token presented again: end the session */
    LK_REFRESH_VERDICT_NOT_ROTATED, /* unused and valid: rotate it, or reject it when a
                                       rotation just failed (a race with expiry) */
} lk_refresh_verdict_t;

/*
 * Decides in this order. A revoked session, a disabled user and an expired session are
 * rejected without further action. An unused token is NOT_ROTATED. A used token within the
 * grace period whose successor is still unused and sealed in its row is a retry. Any
 * other used token is reuse. A retry is refused once the successor has been rotated,
 * because a client that already used the successor did not lose the response.
 */
lk_refresh_verdict_t lk_refresh_verdict(const lk_refresh_token_state_t *state);

/* Returns a short name for logs ("reuse", "expired"). */
const char *lk_refresh_verdict_name(lk_refresh_verdict_t verdict);

#endif
