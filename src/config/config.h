/*
 * Configuration from environment variables, described by one table (name, type, default,
 * validator, sensitive) in config.c. The loaded configuration is immutable and passed by
 * pointer; nothing reads the environment after start-up.
 */
#ifndef LK_CONFIG_CONFIG_H
#define LK_CONFIG_CONFIG_H

#include "core/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LK_MAX_LISTENERS 8

typedef struct lk_listen_address {
    bool tls;       /* https:// (true) or http:// (false) */
    char host[64];  /* IPv4 or IPv6 literal without brackets, or a host name */
    uint16_t port;
} lk_listen_address_t;

typedef struct lk_config {
    char *database_url;
    char *redis_url;
    char *master_key_file;
    char *previous_master_key_file; /* NULL unless a master-key rotation is under way */
    char *issuer;
    char *audience;
    lk_listen_address_t listeners[LK_MAX_LISTENERS];
    size_t listener_count;
    char *tls_cert_file;
    char *tls_key_file;
    bool admin_listen_enabled;
    lk_listen_address_t admin_listen;
    int threads;                  /* event-loop threads */
    int workers;                  /* worker threads for database, Redis and Argon2 work */
    int64_t access_token_ttl;     /* seconds */
    int64_t refresh_token_ttl;    /* seconds: absolute session lifetime */
    int64_t refresh_idle_timeout; /* seconds */
    int64_t refresh_grace_period; /* seconds a rotated refresh token may be retried; 0 off */
    int64_t revocation_resync_interval; /* seconds between full reads of revoked sessions */
    int64_t session_prune_interval;     /* seconds between runs of the session pruner */
    char *trusted_proxies;        /* comma-separated CIDRs, or NULL */
    lk_log_level_t log_level;
    int64_t jwks_max_age;         /* seconds, Cache-Control max-age of the JWKS */
    int64_t key_reload_interval;  /* seconds between periodic key-ring reloads */
    int64_t key_rotation_period;  /* seconds a key signs before the next one; 0 = manual */
    int64_t key_prepublish_delay; /* seconds a new key is published before it signs */
    int64_t key_retire_leeway;    /* seconds a retired key outlives its last token */
    size_t max_body_bytes;
    int64_t membership_cache_ttl; /* seconds a membership lookup is reused; 0 disables */
    int64_t client_cache_ttl;     /* seconds a service-client lookup is reused; 0 disables */
    /* Rate limits as COUNT/PERIOD text (config/rate_spec.h); docs/rate-limits.md explains
     * each one. */
    char *rate_limit_login_ip;
    char *rate_limit_login_failures;
    int64_t rate_limit_login_backoff_max; /* seconds */
    char *rate_limit_login_account;
    int64_t rate_limit_known_address_ttl; /* seconds */
    char *rate_limit_reset_ip;
    char *rate_limit_reset_account;
    char *rate_limit_reset_confirm_ip;
    char *rate_limit_refresh_ip;
    char *rate_limit_api;
    char *rate_limit_verify;
    char *rate_limit_public;
    char *rate_limit_fallback;    /* "none" or "local": what to do while Redis is down */
    char *reset_url_base;         /* the reset page of the operator's app, or NULL */
    int64_t reset_token_ttl;      /* seconds */
    char *common_passwords_file;  /* one rejected password per line */
} lk_config_t;

/* Which variables a command needs; the others are optional for it. */
#define LK_NEED_DATABASE 1u
#define LK_NEED_REDIS 2u
#define LK_NEED_MASTER_KEY 4u
#define LK_NEED_SERVE 8u /* issuer, audience, listeners and TLS files */

/* Looks up one variable; returns NULL when unset. getenv fits, tests pass their own. */
typedef const char *(*lk_env_lookup_fn)(const char *name, void *context);

/*
 * Fills `config` from the variables. On failure returns -1 and writes one line to
 * `error` naming the variable and the problem ("LATCHKEY_ACCESS_TOKEN_TTL: invalid value
 * \"abc\": expected an integer from 60 to 86400"); sensitive values are never echoed.
 * `config` is then disposed already. Returns 0 on success.
 */
__attribute__((warn_unused_result)) int lk_config_load(lk_config_t *config, unsigned needs,
                                                       lk_env_lookup_fn lookup, void *context,
                                                       char *error, size_t error_size);

/* Frees what lk_config_load allocated. */
void lk_config_dispose(lk_config_t *config);

/* Logs the effective configuration at info level, one field per variable, secrets redacted. */
void lk_config_log_effective(const lk_config_t *config);

/* Writes a help text listing every variable, its meaning and default, to `stream`. */
void lk_config_print_help(void *stream);

#endif
