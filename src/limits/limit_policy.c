/* The rules of every limit class, built from the configuration; see limit_policy.h. */
#include "limits/limit_policy.h"

#include "config/rate_spec.h"

#include <stdio.h>
#include <string.h>

/* Parses one COUNT/PERIOD value into a rule. Returns 0, or -1 with `error`. */
static int set_rate(lk_limit_rule_t *rule, const char *variable, const char *value, char *error,
                    size_t error_size)
{
    lk_rate_t rate;
    char problem[256];

    if (lk_rate_parse(value, &rate, problem, sizeof(problem)) != 0) {
        snprintf(error, error_size, "%s: invalid value: %s", variable, problem);
        return -1;
    }
    rule->count = rate.count;
    rule->period_ms = rate.period_seconds * 1000;
    return 0;
}

/* Appends a rule to a class. Returns 0, or -1 with `error`. */
static int add_rule(lk_limit_class_rules_t *rules, lk_limit_rule_t rule, const char *variable,
                    const char *value, char *error, size_t error_size)
{
    if (set_rate(&rule, variable, value, error, error_size) != 0)
        return -1;
    rules->rules[rules->rule_count++] = rule;
    return 0;
}

/*
 * The login rules, also used for password changes under their own names: attempts per
 * address, attempts per account and address until a success (with back-off), and attempts per
 * account from addresses that are not known for it.
 */
static int add_login_rules(const lk_config_t *config, lk_limit_class_rules_t *rules,
                           const char *const names[3], char *error, size_t size)
{
    lk_limit_rule_t per_address = {.policy = names[0], .scope = LK_LIMIT_PER_ADDRESS};
    lk_limit_rule_t failures = {.policy = names[1], .algorithm = LK_LIMIT_BACKOFF,
                                .scope = LK_LIMIT_PER_SUBJECT_AND_ADDRESS,
                                .backoff_max_ms = config->rate_limit_login_backoff_max * 1000};
    lk_limit_rule_t per_account = {.policy = names[2], .scope = LK_LIMIT_PER_SUBJECT,
                                   .skip_known = true, .shared = true};

    if (add_rule(rules, per_address, "LATCHKEY_RATE_LIMIT_LOGIN_IP", config->rate_limit_login_ip,
                 error, size) != 0 ||
        add_rule(rules, failures, "LATCHKEY_RATE_LIMIT_LOGIN_FAILURES",
                 config->rate_limit_login_failures, error, size) != 0 ||
        add_rule(rules, per_account, "LATCHKEY_RATE_LIMIT_LOGIN_ACCOUNT",
                 config->rate_limit_login_account, error, size) != 0)
        return -1;
    return 0;
}

/* Sets up a class whose only rule counts requests per client address. */
static int add_address_class(lk_limit_class_rules_t *rules, const char *name, const char *policy,
                             bool in_memory, const char *variable, const char *value,
                             char *error, size_t size)
{
    lk_limit_rule_t per_address = {.policy = policy, .scope = LK_LIMIT_PER_ADDRESS};
    rules->name = name;
    rules->in_memory = in_memory;
    return add_rule(rules, per_address, variable, value, error, size);
}

static int add_reset_request_rules(const lk_config_t *config, lk_limit_class_rules_t *rules,
                                   char *error, size_t size)
{
    lk_limit_rule_t per_account = {.policy = "reset-account", .scope = LK_LIMIT_PER_SUBJECT,
                                   .shared = true};

    if (add_address_class(rules, "reset", "reset-ip", false, "LATCHKEY_RATE_LIMIT_RESET_IP",
                          config->rate_limit_reset_ip, error, size) != 0)
        return -1;
    return add_rule(rules, per_account, "LATCHKEY_RATE_LIMIT_RESET_ACCOUNT",
                    config->rate_limit_reset_account, error, size);
}

int lk_limit_policies_load(const lk_config_t *config, lk_limit_policies_t *policies, char *error,
                           size_t error_size)
{
    static const char *const login_names[3] = {"login-ip", "login-failures", "login-account"};
    static const char *const password_names[3] = {"password-ip", "password-failures",
                                                  "password-account"};
    lk_limit_class_rules_t *classes = policies->classes;

    memset(policies, 0, sizeof(*policies));
    policies->known_address_ttl_ms = config->rate_limit_known_address_ttl * 1000;
    classes[LK_LIMIT_NONE].name = "none";
    classes[LK_LIMIT_LOGIN].name = "login";
    classes[LK_LIMIT_LOGIN].known_policy = "login-known";
    classes[LK_LIMIT_PASSWORD_CHANGE].name = "password";
    classes[LK_LIMIT_PASSWORD_CHANGE].known_policy = "password-known";

    int failed =
        add_login_rules(config, &classes[LK_LIMIT_LOGIN], login_names, error, error_size) ||
        add_login_rules(config, &classes[LK_LIMIT_PASSWORD_CHANGE], password_names, error,
                        error_size) ||
        add_reset_request_rules(config, &classes[LK_LIMIT_RESET_REQUEST], error, error_size) ||
        add_address_class(&classes[LK_LIMIT_RESET_CONFIRM], "reset-confirm", "reset-confirm-ip",
                          false, "LATCHKEY_RATE_LIMIT_RESET_CONFIRM_IP",
                          config->rate_limit_reset_confirm_ip, error, error_size) ||
        add_address_class(&classes[LK_LIMIT_REFRESH], "refresh", "refresh-ip", false,
                          "LATCHKEY_RATE_LIMIT_REFRESH_IP", config->rate_limit_refresh_ip, error,
                          error_size) ||
        add_address_class(&classes[LK_LIMIT_API], "api", "api-ip", false,
                          "LATCHKEY_RATE_LIMIT_API", config->rate_limit_api, error, error_size) ||
        add_address_class(&classes[LK_LIMIT_VERIFY], "verify", "verify-ip", true,
                          "LATCHKEY_RATE_LIMIT_VERIFY", config->rate_limit_verify, error,
                          error_size) ||
        add_address_class(&classes[LK_LIMIT_PUBLIC], "public", "public-ip", true,
                          "LATCHKEY_RATE_LIMIT_PUBLIC", config->rate_limit_public, error,
                          error_size);
    return failed ? -1 : 0;
}

bool lk_limit_class_has_backoff(const lk_limit_class_rules_t *rules)
{
    for (size_t i = 0; i < rules->rule_count; i++) {
        if (rules->rules[i].algorithm == LK_LIMIT_BACKOFF)
            return true;
    }
    return false;
}
