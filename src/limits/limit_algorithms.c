/* GCRA and back-off counting; see limit_algorithms.h. */
#include "limits/limit_algorithms.h"

/* Doubling stops after this many steps, which keeps period * 2^n far below INT64_MAX for
 * periods up to the 7-day maximum. */
#define MAX_DOUBLINGS 20

static bool is_live(const lk_limit_state_t *state, int64_t now)
{
    return state->expires_at > now;
}

/*
 * GCRA keeps one timestamp, the theoretical arrival time (TAT) of the next request if
 * requests came exactly at the allowed rate. A request is admitted when the TAT it would
 * leave behind is at most one window (count * interval) ahead of now.
 */
void lk_gcra_evaluate(const lk_limit_state_t *state, int64_t now, int64_t count,
                      int64_t period_us, lk_limit_step_t *step)
{
    int64_t interval = period_us / count > 0 ? period_us / count : 1;
    int64_t window = interval * count;
    int64_t tat = is_live(state, now) && state->value > now ? state->value : now;
    int64_t next_tat = tat + interval;
    int64_t admit_at = next_tat - window;

    *step = (lk_limit_step_t){.admitted = now >= admit_at};
    if (!step->admitted) {
        step->remaining = 0;
        step->reset_us = admit_at - now;
        return;
    }

    /* One more request fits each time the TAT comes an interval closer to now. */
    int64_t ahead = next_tat - now;
    step->remaining = (window - ahead) / interval;
    step->reset_us = ahead - (window - (step->remaining + 1) * interval);
    step->next = (lk_limit_state_t){.value = next_tat, .expires_at = next_tat};
}

void lk_backoff_evaluate(const lk_limit_state_t *state, int64_t now, int64_t count,
                         int64_t period_us, int64_t max_us, lk_limit_step_t *step)
{
    lk_limit_state_t current = is_live(state, now) ? *state : (lk_limit_state_t){0, 0, 0};

    *step = (lk_limit_step_t){.admitted = !(current.value >= count && now < current.until)};
    if (!step->admitted) {
        step->remaining = 0;
        step->reset_us = current.until - now;
        return;
    }

    int64_t attempts = current.value + 1;
    step->remaining = attempts < count ? count - attempts : 0;
    if (attempts < count) {
        int64_t expires_at = current.value == 0 ? now + period_us : current.expires_at;
        step->reset_us = expires_at - now;
        step->next = (lk_limit_state_t){.value = attempts, .expires_at = expires_at};
        return;
    }

    int64_t doublings = attempts - count < MAX_DOUBLINGS ? attempts - count : MAX_DOUBLINGS;
    int64_t wait = period_us << doublings;
    if (wait > max_us)
        wait = max_us;
    step->reset_us = wait;
    step->next = (lk_limit_state_t){.value = attempts, .until = now + wait,
                                    .expires_at = now + wait + period_us};
}
