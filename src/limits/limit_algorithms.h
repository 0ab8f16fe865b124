/*
 * The two counting algorithms as pure functions of a stored state and the current time, in
 * microseconds. The in-memory limiter uses them directly; the Lua script of the Redis limiter
 * (redis_limiter.c) computes the same formulas inside Redis, so both give the same results.
 */
#ifndef LK_LIMITS_LIMIT_ALGORITHMS_H
#define LK_LIMITS_LIMIT_ALGORITHMS_H

#include <stdbool.h>
#include <stdint.h>

/* The state a rule keeps per key. A key without state is all zeros. */
typedef struct lk_limit_state {
    int64_t value;      /* GCRA: the theoretical arrival time; back-off: the attempt count */
    int64_t until;      /* back-off: no attempt before this time; unused by GCRA */
    int64_t expires_at; /* when the state may be forgotten; 0 for no state */
} lk_limit_state_t;

/* The outcome of one rule for one request. */
typedef struct lk_limit_step {
    bool admitted;
    int64_t remaining; /* requests left after this one (admitted) or before it (rejected) */
    int64_t reset_us;  /* admitted: until more quota returns; rejected: until one is admitted */
    lk_limit_state_t next; /* the state to store when every rule admits the request */
} lk_limit_step_t;

/*
 * Evaluates a GCRA rule of `count` per `period_us`: a burst of `count`, then one request
 * every period_us/count (rounded down to whole microseconds).
 */
void lk_gcra_evaluate(const lk_limit_state_t *state, int64_t now, int64_t count,
                      int64_t period_us, lk_limit_step_t *step);

/*
 * Evaluates a back-off rule. The first `count` attempts pass. After that an attempt is
 * admitted only `period_us` after the previous one, then twice that, and so on up to
 * `max_us`. The state is forgotten one period after the first attempt while fewer than
 * `count` were made, or one period after the wait ends.
 */
void lk_backoff_evaluate(const lk_limit_state_t *state, int64_t now, int64_t count,
                         int64_t period_us, int64_t max_us, lk_limit_step_t *step);

#endif
