/*
 * The rate limits of each kind of request. A limit class (login, password reset, the
 * general API, ...) is a short list of rules. A request is admitted only when every rule of
 * its class admits it, and then every rule counts it. docs/rate-limits.md describes each
 * rule, its default and its reason.
 *
 * Two algorithms exist. A GCRA rule ("generic cell rate algorithm", a token bucket stored as
 * one timestamp) of COUNT per PERIOD admits a burst of COUNT and then one request every
 * PERIOD/COUNT. A back-off rule counts attempts since the last success: the first COUNT pass,
 * and after them each attempt must wait PERIOD, then twice that, and so on up to a maximum.
 */
#ifndef LK_LIMITS_LIMIT_POLICY_H
#define LK_LIMITS_LIMIT_POLICY_H

#include "config/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lk_limit_class {
    LK_LIMIT_NONE = 0,        /* no limit, or one already applied on the event loop */
    LK_LIMIT_LOGIN,           /* POST /v1/login */
    LK_LIMIT_PASSWORD_CHANGE, /* POST /v1/password */
    LK_LIMIT_RESET_REQUEST,   /* POST /v1/password-reset */
    LK_LIMIT_RESET_CONFIRM,   /* POST /v1/password-reset/confirm */
    LK_LIMIT_REFRESH,         /* POST /v1/token/refresh */
    LK_LIMIT_API,             /* every other worker-backed endpoint */
    LK_LIMIT_VERIFY,          /* token verification, in memory on the event loop */
    LK_LIMIT_PUBLIC,          /* JWKS, issuer metadata and probes, in memory on the loop */
    LK_LIMIT_CLASS_COUNT,
} lk_limit_class_t;

typedef enum lk_limit_algorithm {
    LK_LIMIT_GCRA = 0,
    LK_LIMIT_BACKOFF,
} lk_limit_algorithm_t;

/* What a rule counts separately: each client address, each subject (an account), or each
 * pair of both. */
typedef enum lk_limit_scope {
    LK_LIMIT_PER_ADDRESS = 0,
    LK_LIMIT_PER_SUBJECT,
    LK_LIMIT_PER_SUBJECT_AND_ADDRESS,
} lk_limit_scope_t;

#define LK_LIMIT_MAX_RULES 3

typedef struct lk_limit_rule {
    const char *policy;     /* the name in RateLimit headers and Redis keys, "login-ip" */
    lk_limit_algorithm_t algorithm;
    lk_limit_scope_t scope;
    int64_t count;
    int64_t period_ms;
    int64_t backoff_max_ms; /* back-off rules only */
    bool skip_known;        /* not applied to an address known for the subject */
    bool shared;            /* counts other clients' requests too, so its state is shown
                               to a client only when it rejects that client */
} lk_limit_rule_t;

typedef struct lk_limit_class_rules {
    const char *name;         /* "login" */
    bool in_memory;           /* checked on the event loop, per instance, never in Redis */
    const char *known_policy; /* the key name of addresses known for a subject, or NULL */
    lk_limit_rule_t rules[LK_LIMIT_MAX_RULES];
    size_t rule_count;
} lk_limit_class_rules_t;

typedef struct lk_limit_policies {
    lk_limit_class_rules_t classes[LK_LIMIT_CLASS_COUNT];
    int64_t known_address_ttl_ms;
} lk_limit_policies_t;

/* The maximum subject length: a normalized email (254 bytes) or a user id. */
#define LK_LIMIT_SUBJECT_MAX 254

/* The subject and address one request is counted against. Worker jobs copy it, so it
 * contains no pointers. */
typedef struct lk_limit_query {
    lk_limit_class_t limit_class;
    unsigned char address[9];  /* lk_client_address_limit_key of the client */
    size_t address_length;     /* 0 when the client address is unknown */
    char subject[LK_LIMIT_SUBJECT_MAX + 1]; /* the account, or "" for address-only classes */
} lk_limit_query_t;

/*
 * Fills `policies` from the LATCHKEY_RATE_LIMIT_* values of `config`. Returns 0, or -1 with
 * the variable and the problem in `error` (only possible when `config` was not checked).
 */
__attribute__((warn_unused_result)) int lk_limit_policies_load(const lk_config_t *config,
                                                               lk_limit_policies_t *policies,
                                                               char *error, size_t error_size);

/* Returns true when the class has a back-off rule that a success resets. */
bool lk_limit_class_has_backoff(const lk_limit_class_rules_t *rules);

#endif
