/* The decision about refresh tokens that could not be rotated; see refresh_verdict.h. */
#include "sessions/refresh_verdict.h"

lk_refresh_verdict_t lk_refresh_verdict(const lk_refresh_token_state_t *state)
{
    if (state->session_revoked)
        return LK_REFRESH_VERDICT_REVOKED;
    if (state->user_disabled)
        return LK_REFRESH_VERDICT_USER_DISABLED;
    if (state->session_expired)
        return LK_REFRESH_VERDICT_EXPIRED;
    if (!state->used)
        return LK_REFRESH_VERDICT_NOT_ROTATED;

    if (state->used_within_grace && state->successor_unused &&
        state->successor_sealed[0] != '\0')
        return LK_REFRESH_VERDICT_RETRY;
    return LK_REFRESH_VERDICT_REUSE;
}

const char *lk_refresh_verdict_name(lk_refresh_verdict_t verdict)
{
    switch (verdict) {
    case LK_REFRESH_VERDICT_REVOKED:
        return "revoked";
    case LK_REFRESH_VERDICT_USER_DISABLED:
        return "user_disabled";
    case LK_REFRESH_VERDICT_EXPIRED:
        return "expired";
    case LK_REFRESH_VERDICT_RETRY:
        return "retry";
    case LK_REFRESH_VERDICT_REUSE:
        return "reuse";
    case LK_REFRESH_VERDICT_NOT_ROTATED:
        break;
    }
    return "not_rotated";
}
