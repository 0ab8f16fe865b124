/*
 * The input and output of the limiters: a plan (the rules of one request with their keys)
 * and a decision (admitted or not, and each rule's remaining quota for the RateLimit
 * headers). Plain data, copied freely between threads.
 */
#ifndef LK_LIMITS_LIMIT_DECISION_H
#define LK_LIMITS_LIMIT_DECISION_H

#include "limits/limit_keys.h"
#include "limits/limit_policy.h"

typedef struct lk_limit_plan {
    const lk_limit_rule_t *rules[LK_LIMIT_MAX_RULES];
    lk_limit_key_t keys[LK_LIMIT_MAX_RULES];
    size_t rule_count;
    bool has_known_key;     /* true when a rule is skipped for known addresses */
    lk_limit_key_t known_key;
} lk_limit_plan_t;

typedef enum lk_limit_outcome {
    LK_LIMIT_NOT_CHECKED = 0,
    LK_LIMIT_ADMITTED,
    LK_LIMIT_REJECTED,
    LK_LIMIT_UNAVAILABLE, /* Redis could not be reached and no fallback is configured */
} lk_limit_outcome_t;

typedef struct lk_limit_rule_status {
    const lk_limit_rule_t *rule;
    bool applied;      /* false when the rule was skipped for a known address */
    bool rejected;
    int64_t remaining;
    int64_t reset_ms;  /* see lk_limit_step_t.reset_us */
} lk_limit_rule_status_t;

typedef struct lk_limit_decision {
    lk_limit_outcome_t outcome;
    int64_t retry_after_ms;  /* rejected only: when every rejecting rule admits again */
    lk_limit_rule_status_t rules[LK_LIMIT_MAX_RULES];
    size_t rule_count;
} lk_limit_decision_t;

#endif
