/* The configuration variables and the checks for their string values. */
#include "config/config_table.h"

#include "config/cidr.h"
#include "config/rate_spec.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 256
#define MIN_DEFAULT_WORKERS 4

static bool has_control_or_space(const char *value)
{
    for (const unsigned char *c = (const unsigned char *)value; *c != '\0'; c++) {
        if (*c <= 0x20 || *c == 0x7F) {
            return true;
        }
    }
    return false;
}

static bool starts_with(const char *value, const char *prefix)
{
    return strncmp(value, prefix, strlen(prefix)) == 0;
}

/* libpq's own parser decides, so whatever it accepts at connect time is accepted here.
 * Its error message is not shown because it may quote a password. */
static int check_database_url(const char *value, char *problem, size_t size)
{
    char *message = NULL;
    PQconninfoOption *options = PQconninfoParse(value, &message);

    PQfreemem(message);
    if (options == NULL) {
        snprintf(problem, size, "expected a libpq connection string such as "
                                "postgresql://latchkey@localhost/latchkey");
        return -1;
    }
    PQconninfoFree(options);
    return 0;
}

/* Accepts redis:// with a non-empty host and unix:// with an absolute socket path. The
 * port and database number are checked by the Redis adapter when it connects. */
static int check_redis_url(const char *value, char *problem, size_t size)
{
    bool valid = false;

    if (starts_with(value, "redis://")) {
        const char *host = value + strlen("redis://");
        const char *at = strrchr(host, '@');
        host = at != NULL ? at + 1 : host;
        valid = *host != '\0' && *host != '/' && *host != ':';
    } else if (starts_with(value, "unix://")) {
        valid = value[strlen("unix://")] == '/' && value[strlen("unix://") + 1] != '\0';
    }

    if (!valid || has_control_or_space(value)) {
        snprintf(problem, size, "expected redis://HOST:PORT/DB or unix:///PATH/TO/SOCKET");
        return -1;
    }
    return 0;
}

/* The issuer is compared byte for byte by token verifiers, so it must be a plain https
 * URL: a host, an optional port and path, no user information, query or fragment. Plain
 * http is rejected even for localhost. */
static int check_issuer(const char *value, char *problem, size_t size)
{
    const char *host = value + strlen("https://");
    size_t host_length = strcspn(host, "/");
    bool valid = starts_with(value, "https://") && host_length > 0 && *host != ':' &&
                 memchr(host, '@', host_length) == NULL && strpbrk(value, "?#") == NULL &&
                 !has_control_or_space(value);

    if (!valid) {
        snprintf(problem, size, "expected an https:// URL without query or fragment, such as "
                                "https://auth.example.com");
        return -1;
    }
    return 0;
}

static int check_audience(const char *value, char *problem, size_t size)
{
    if (has_control_or_space(value)) {
        snprintf(problem, size, "expected an audience without spaces or control characters, "
                                "such as https://api.example.com");
        return -1;
    }
    return 0;
}

static int check_trusted_proxies(const char *value, char *problem, size_t size)
{
    return lk_cidr_list_check(value, problem, size);
}

static int check_rate(const char *value, char *problem, size_t size)
{
    return lk_rate_check(value, problem, size);
}

static int check_fallback(const char *value, char *problem, size_t size)
{
    if (strcmp(value, "none") == 0 || strcmp(value, "local") == 0) {
        return 0;
    }
    snprintf(problem, size, "expected none or local");
    return -1;
}

/* Returns true for the hosts a development app may serve plain http from. */
static bool is_loopback_host(const char *host, size_t length)
{
    static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        if (length == strlen(hosts[i]) && strncmp(host, hosts[i], length) == 0) {
            return true;
        }
    }
    return false;
}

/* The reset link is this URL with "#token=..." appended, so it must be an absolute URL
 * without a fragment. Plain http is accepted only for a loopback host, for development. */
static int check_reset_url_base(const char *value, char *problem, size_t size)
{
    bool https = starts_with(value, "https://");
    const char *host = value + (https ? strlen("https://") : strlen("http://"));
    const char *bracket = host[0] == '[' ? strchr(host, ']') : NULL;
    size_t host_length = bracket != NULL ? (size_t)(bracket - host) + 1 : strcspn(host, ":/?");
    size_t port_end = strcspn(host, "/?");
    bool valid = (https || starts_with(value, "http://")) && host_length > 0 &&
                 memchr(host, '@', port_end) == NULL && strchr(value, '#') == NULL &&
                 !has_control_or_space(value);

    if (valid && !https && !is_loopback_host(host, host_length)) {
        valid = false;
    }
    if (!valid) {
        snprintf(problem, size, "expected an https:// URL without a fragment, such as "
                                "https://app.example.com/reset-password (http:// only for "
                                "localhost)");
        return -1;
    }
    return 0;
}

/* The number of online CPUs, within 1 to MAX_THREADS. */
static int64_t default_threads(const lk_config_t *config)
{
    (void)config;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1) {
        return 1;
    }
    return cpus > MAX_THREADS ? MAX_THREADS : cpus;
}

/* Twice the event-loop threads, at least MIN_DEFAULT_WORKERS, so that Argon2 hashing and
 * blocking calls have room next to the loops. */
static int64_t default_workers(const lk_config_t *config)
{
    int64_t workers = 2 * (int64_t)config->threads;
    if (workers < MIN_DEFAULT_WORKERS) {
        return MIN_DEFAULT_WORKERS;
    }
    return workers > MAX_THREADS ? MAX_THREADS : workers;
}

#define FIELD(name) offsetof(lk_config_t, name)

/* The order matters: LATCHKEY_LISTEN comes before the TLS files, whose requirement depends
 * on it, and LATCHKEY_THREADS before LATCHKEY_WORKERS, whose default depends on it. */
const lk_config_variable_t lk_config_variables[] = {
    {.name = "LATCHKEY_DATABASE_URL", .type = LK_CONFIG_STRING, .offset = FIELD(database_url),
     .required_by = LK_NEED_DATABASE, .sensitive = true, .check = check_database_url,
     .redact = lk_config_redact_database_url,
     .missing_hint = "set it to a libpq connection string such as "
                     "postgresql://latchkey@localhost/latchkey",
     .help = "PostgreSQL connection string or URI (libpq syntax)."},
    {.name = "LATCHKEY_REDIS_URL", .type = LK_CONFIG_STRING, .offset = FIELD(redis_url),
     .required_by = LK_NEED_REDIS, .sensitive = true, .check = check_redis_url,
     .redact = lk_config_redact_redis_url,
     .missing_hint = "set it to a Redis URL such as redis://localhost:6379/0",
     .help = "Redis server: redis://[USER:PASSWORD@]HOST:PORT/DB or unix:///PATH/TO/SOCKET."},
    {.name = "LATCHKEY_MASTER_KEY_FILE", .type = LK_CONFIG_FILE_PATH,
     .offset = FIELD(master_key_file), .required_by = LK_NEED_MASTER_KEY,
     .missing_hint = "set it to the path of a file holding the base64 32-byte master key",
     .help = "File holding the base64 32-byte master key that seals private signing keys."},
    {.name = "LATCHKEY_PREVIOUS_MASTER_KEY_FILE", .type = LK_CONFIG_FILE_PATH,
     .offset = FIELD(previous_master_key_file),
     .help = "File holding the master key being replaced during a master-key rotation: "
             "private keys sealed with it can still be opened. Unset otherwise."},
    {.name = "LATCHKEY_ISSUER", .type = LK_CONFIG_STRING, .offset = FIELD(issuer),
     .required_by = LK_NEED_SERVE, .check = check_issuer,
     .missing_hint = "set it to this service's public https URL, such as https://auth.example.com",
     .help = "\"iss\" claim of issued tokens: an https URL without query or fragment."},
    {.name = "LATCHKEY_AUDIENCE", .type = LK_CONFIG_STRING, .offset = FIELD(audience),
     .required_by = LK_NEED_SERVE, .check = check_audience,
     .missing_hint = "set it to the default \"aud\" of access tokens, such as "
                     "https://api.example.com",
     .help = "Default \"aud\" claim of access tokens."},
    {.name = "LATCHKEY_LISTEN", .type = LK_CONFIG_LISTEN_LIST, .offset = FIELD(listeners),
     .default_value = "https://0.0.0.0:8443",
     .help = "Comma-separated listeners, https://ADDR:PORT or http://ADDR:PORT (plain HTTP "
             "only behind a TLS-terminating proxy); IPv6 in brackets, such as "
             "https://[::1]:8443."},
    {.name = "LATCHKEY_TLS_CERT_FILE", .type = LK_CONFIG_FILE_PATH,
     .offset = FIELD(tls_cert_file), .required_with_https = true,
     .missing_hint = "set it to a PEM certificate chain file, or use only http:// listeners",
     .help = "PEM certificate chain for the https listeners."},
    {.name = "LATCHKEY_TLS_KEY_FILE", .type = LK_CONFIG_FILE_PATH, .offset = FIELD(tls_key_file),
     .required_with_https = true,
     .missing_hint = "set it to the PEM private key file of the certificate",
     .help = "PEM private key for the https listeners."},
    {.name = "LATCHKEY_ADMIN_LISTEN", .type = LK_CONFIG_ADDRESS, .offset = FIELD(admin_listen),
     .help = "http://ADDR:PORT of the admin listener serving /metrics. Off when unset."},
    {.name = "LATCHKEY_THREADS", .type = LK_CONFIG_INT, .offset = FIELD(threads),
     .default_function = default_threads, .default_help = "number of online CPUs",
     .minimum = 1, .maximum = MAX_THREADS, .help = "Event-loop threads."},
    {.name = "LATCHKEY_WORKERS", .type = LK_CONFIG_INT, .offset = FIELD(workers),
     .default_function = default_workers, .default_help = "2 x LATCHKEY_THREADS, at least 4",
     .minimum = 1, .maximum = MAX_THREADS,
     .help = "Worker threads for password hashing, database and Redis calls."},
    {.name = "LATCHKEY_ACCESS_TOKEN_TTL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(access_token_ttl), .default_value = "900", .minimum = 5, .maximum = 86400,
     .help = "Lifetime of access tokens, in seconds. Values under 60 are meant for tests."},
    {.name = "LATCHKEY_REFRESH_TOKEN_TTL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(refresh_token_ttl), .default_value = "2592000", .minimum = 1,
     .maximum = 31536000,
     .help = "Absolute lifetime of a session and its refresh tokens, in seconds."},
    {.name = "LATCHKEY_REFRESH_IDLE_TIMEOUT", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(refresh_idle_timeout), .default_value = "604800", .minimum = 1,
     .maximum = 31536000,
     .help = "Seconds a session may go unused before its refresh token expires; at most "
             "LATCHKEY_REFRESH_TOKEN_TTL."},
    {.name = "LATCHKEY_REFRESH_GRACE_PERIOD", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(refresh_grace_period), .default_value = "10", .minimum = 0, .maximum = 300,
     .help = "Seconds during which presenting a just-rotated refresh token again returns the "
             "same successor instead of ending the session as reuse; 0 turns retries off."},
    {.name = "LATCHKEY_REVOCATION_RESYNC_INTERVAL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(revocation_resync_interval), .default_value = "30", .minimum = 1,
     .maximum = 3600,
     .help = "Seconds between full reads of the revoked sessions from Redis, which repair "
             "missed revocation messages."},
    {.name = "LATCHKEY_SESSION_PRUNE_INTERVAL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(session_prune_interval), .default_value = "60", .minimum = 1,
     .maximum = 86400,
     .help = "Seconds between runs of the background job that deletes ended sessions and "
             "publishes recent revocations again."},
    {.name = "LATCHKEY_TRUSTED_PROXIES", .type = LK_CONFIG_STRING,
     .offset = FIELD(trusted_proxies), .check = check_trusted_proxies,
     .help = "Comma-separated CIDRs of proxies whose X-Forwarded-For is believed. None when "
             "unset."},
    {.name = "LATCHKEY_LOG_LEVEL", .type = LK_CONFIG_LOG_LEVEL, .offset = FIELD(log_level),
     .default_value = "info", .help = "Minimum log level: debug, info, warn or error."},
    {.name = "LATCHKEY_JWKS_MAX_AGE", .type = LK_CONFIG_SECONDS, .offset = FIELD(jwks_max_age),
     .default_value = "300", .minimum = 0, .maximum = 86400,
     .help = "Cache-Control max-age of the JWKS, in seconds."},
    {.name = "LATCHKEY_KEY_RELOAD_INTERVAL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(key_reload_interval), .default_value = "30", .minimum = 1, .maximum = 3600,
     .help = "Seconds between periodic reloads of the signing keys."},
    {.name = "LATCHKEY_KEY_ROTATION_PERIOD", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(key_rotation_period), .default_value = "2592000", .minimum = 0,
     .maximum = 31536000,
     .help = "Seconds a signing key stays active before the server rotates it automatically; "
             "0 turns automatic rotation off. Must exceed LATCHKEY_KEY_PREPUBLISH_DELAY."},
    {.name = "LATCHKEY_KEY_PREPUBLISH_DELAY", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(key_prepublish_delay), .default_value = "3600", .minimum = 1,
     .maximum = 2592000,
     .help = "Seconds a new signing key is published in the JWKS before it signs tokens; at "
             "least LATCHKEY_JWKS_MAX_AGE + LATCHKEY_KEY_RELOAD_INTERVAL."},
    {.name = "LATCHKEY_KEY_RETIRE_LEEWAY", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(key_retire_leeway), .default_value = "300", .minimum = 5, .maximum = 86400,
     .help = "Seconds a retired key stays published after the last token it signed has "
             "expired, for verifiers' clock skew."},
    {.name = "LATCHKEY_MAX_BODY_BYTES", .type = LK_CONFIG_BYTES, .offset = FIELD(max_body_bytes),
     .default_value = "16384", .minimum = 1024, .maximum = 1048576,
     .help = "Largest accepted request body, in bytes."},
    {.name = "LATCHKEY_MEMBERSHIP_CACHE_TTL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(membership_cache_ttl), .default_value = "5", .minimum = 0, .maximum = 300,
     .help = "Seconds an organisation-membership lookup is reused before PostgreSQL is asked "
             "again; changes made with the latchkey command reach every instance sooner "
             "through NOTIFY. 0 disables the cache."},
    {.name = "LATCHKEY_CLIENT_CACHE_TTL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(client_cache_ttl), .default_value = "5", .minimum = 0, .maximum = 60,
     .help = "Seconds a service-client lookup is reused, which bounds how long a revoked "
             "client still works if a NOTIFY is lost. 0 disables the cache."},
    {.name = "LATCHKEY_RATE_LIMIT_LOGIN_IP", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_login_ip), .default_value = "20/1m", .check = check_rate,
     .help = "Login attempts per client address, as COUNT/PERIOD (period in s, m, h or d)."},
    {.name = "LATCHKEY_RATE_LIMIT_LOGIN_FAILURES", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_login_failures), .default_value = "5/15m", .check = check_rate,
     .help = "Login attempts per account and client address until a successful login; "
             "beyond them each further attempt waits twice as long as the one before."},
    {.name = "LATCHKEY_RATE_LIMIT_LOGIN_BACKOFF_MAX", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(rate_limit_login_backoff_max), .default_value = "3600", .minimum = 1,
     .maximum = 86400,
     .help = "Maximum wait, in seconds, that repeated login failures for one account and "
             "address can reach."},
    {.name = "LATCHKEY_RATE_LIMIT_LOGIN_ACCOUNT", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_login_account), .default_value = "100/15m", .check = check_rate,
     .help = "Login attempts per account from addresses without a recent successful login, "
             "as COUNT/PERIOD: a burst of COUNT, then one attempt every PERIOD/COUNT."},
    {.name = "LATCHKEY_RATE_LIMIT_KNOWN_ADDRESS_TTL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(rate_limit_known_address_ttl), .default_value = "2592000", .minimum = 60,
     .maximum = 31536000,
     .help = "Seconds after a successful login or password reset during which that address "
             "is exempt from LATCHKEY_RATE_LIMIT_LOGIN_ACCOUNT for the account."},
    {.name = "LATCHKEY_RATE_LIMIT_RESET_IP", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_reset_ip), .default_value = "5/15m", .check = check_rate,
     .help = "Password-reset requests per client address, as COUNT/PERIOD."},
    {.name = "LATCHKEY_RATE_LIMIT_RESET_ACCOUNT", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_reset_account), .default_value = "3/1h", .check = check_rate,
     .help = "Password-reset requests per email address, as COUNT/PERIOD."},
    {.name = "LATCHKEY_RATE_LIMIT_RESET_CONFIRM_IP", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_reset_confirm_ip), .default_value = "10/15m",
     .check = check_rate,
     .help = "Password-reset confirmations per client address, as COUNT/PERIOD."},
    {.name = "LATCHKEY_RATE_LIMIT_REFRESH_IP", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_refresh_ip), .default_value = "60/1m", .check = check_rate,
     .help = "Token refreshes per client address, as COUNT/PERIOD."},
    {.name = "LATCHKEY_RATE_LIMIT_API", .type = LK_CONFIG_STRING, .offset = FIELD(rate_limit_api),
     .default_value = "100/15m", .check = check_rate,
     .help = "Requests per client address to every endpoint without a limit of its own, as "
             "COUNT/PERIOD."},
    {.name = "LATCHKEY_RATE_LIMIT_VERIFY", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_verify), .default_value = "6000/1m", .check = check_rate,
     .help = "Token verifications per client address and instance, counted in memory, as "
             "COUNT/PERIOD."},
    {.name = "LATCHKEY_RATE_LIMIT_PUBLIC", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_public), .default_value = "600/1m", .check = check_rate,
     .help = "Requests per client address and instance to the JWKS, the issuer metadata and "
             "the health probes, counted in memory, as COUNT/PERIOD."},
    {.name = "LATCHKEY_RATE_LIMIT_FALLBACK", .type = LK_CONFIG_STRING,
     .offset = FIELD(rate_limit_fallback), .default_value = "none", .check = check_fallback,
     .help = "What happens while Redis is unreachable. With none, requests whose limits are "
             "kept in Redis get 503. With local, they are counted in this instance's memory "
             "instead, which is only safe with a single instance."},
    {.name = "LATCHKEY_RESET_URL_BASE", .type = LK_CONFIG_STRING, .offset = FIELD(reset_url_base),
     .check = check_reset_url_base,
     .help = "Password-reset page of your app; reset links are this URL with #token=TOKEN "
             "appended. Password reset is off when unset."},
    {.name = "LATCHKEY_RESET_TOKEN_TTL", .type = LK_CONFIG_SECONDS,
     .offset = FIELD(reset_token_ttl), .default_value = "1800", .minimum = 1, .maximum = 86400,
     .help = "Lifetime of password-reset tokens, in seconds."},
    {.name = "LATCHKEY_COMMON_PASSWORDS_FILE", .type = LK_CONFIG_FILE_PATH,
     .offset = FIELD(common_passwords_file), .default_value = "/usr/share/john/password.lst",
     .help = "List of common passwords, one per line, that new passwords may not be (compared "
             "without regard to ASCII case). Lines starting with #! are comments."},
};

const size_t lk_config_variable_count = sizeof lk_config_variables / sizeof lk_config_variables[0];
