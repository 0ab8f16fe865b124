/* `latchkey users create|disable`: user management. */
#include "cli/cli.h"

#include "passwords/password_hash.h"
#include "passwords/password_policy.h"
#include "sessions/session_end.h"
#include "store/redis_client.h"
#include "store/users.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum { JSON_ONLY };

static const lk_cli_option_t json_options[] = {
    [JSON_ONLY] = {"--json", false},
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* Room for LK_PASSWORD_MAX_CHARACTERS code points of up to 4 UTF-8 bytes each, and more. */
#define PASSWORD_BUFFER_SIZE 1024

typedef struct password_buffer {
    char text[PASSWORD_BUFFER_SIZE];
    size_t length;
} password_buffer_t;

/*
 * Checks the shape of an email: one "@" with text on both sides, no whitespace or
 * control characters, at most LK_EMAIL_MAX_LENGTH bytes. Deliverability is not checked.
 */
static bool is_valid_email(const char *email)
{
    size_t length = strlen(email);
    const char *at = strchr(email, '@');

    if (length == 0 || length > LK_EMAIL_MAX_LENGTH || at == NULL || at == email ||
        at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return false;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)email[i];
        if (c <= ' ' || c == 0x7f)
            return false;
    }
    return true;
}

/*
 * Reads one line from standard input with read(2), so that no stdio buffer keeps a copy
 * of the password. Strips the line ending ("\n" or "\r\n"). Returns 0, or -1 after
 * printing why (read error, line too long, NUL byte).
 */
static int read_line(password_buffer_t *password)
{
    password->length = 0;
    for (;;) {
        char c;
        ssize_t count = read(STDIN_FILENO, &c, 1);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0) {
            lk_cli_fail("reading the password from standard input failed: %s", strerror(errno));
            return -1;
        }
        if (count == 0 || c == '\n')
            break;
        if (c == '\0') {
            lk_cli_fail("the password contains a NUL byte");
            return -1;
        }
        if (password->length + 1 >= sizeof password->text) {
            lk_cli_fail("the password is longer than %d bytes", PASSWORD_BUFFER_SIZE - 1);
            return -1;
        }
        password->text[password->length++] = c;
    }

    if (password->length > 0 && password->text[password->length - 1] == '\r')
        password->length--;
    password->text[password->length] = '\0';
    return 0;
}

/* Prompts on standard error and reads a line from the terminal with echo turned off. */
static int read_hidden(const char *prompt, password_buffer_t *password)
{
    struct termios saved;
    if (tcgetattr(STDIN_FILENO, &saved) != 0) {
        lk_cli_fail("reading the terminal settings failed: %s", strerror(errno));
        return -1;
    }

    struct termios hidden = saved;
    hidden.c_lflag &= (tcflag_t)~ECHO;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden) != 0) {
        lk_cli_fail("turning off the terminal echo failed: %s", strerror(errno));
        return -1;
    }

    int status = read_line(password);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) != 0)
        lk_cli_fail("restoring the terminal echo failed; run 'stty echo'");
    fputc('\n', stderr);
    return status;
}

/*
 * Reads the new password: one line from a pipe, or on a terminal a hidden prompt asked
 * twice. Returns 0, or -1 after printing why.
 */
static int read_password(password_buffer_t *password)
{
    if (!isatty(STDIN_FILENO)) {
        if (read_line(password) != 0)
            return -1;
        if (password->length == 0) {
            lk_cli_fail("no password on standard input: write it there as one line");
            return -1;
        }
        return 0;
    }

    password_buffer_t repeated;
    int status = read_hidden("Password: ", password);
    if (status == 0)
        status = read_hidden("Repeat the password: ", &repeated);
    if (status == 0 && (repeated.length != password->length ||
                        sodium_memcmp(repeated.text, password->text, password->length) != 0)) {
        lk_cli_fail("the two passwords differ; nothing was created");
        status = -1;
    }
    sodium_memzero(&repeated, sizeof repeated);
    return status;
}

/*
 * Reads, checks and hashes the password into `hash`, with the common-password list of
 * LATCHKEY_COMMON_PASSWORDS_FILE. Returns 0, or -1 after printing why.
 */
static int read_password_hash(const lk_config_t *config, char hash[LK_PASSWORD_HASH_SIZE])
{
    char error[512];
    lk_common_passwords_t *common =
        lk_common_passwords_load(config->common_passwords_file, error, sizeof error);
    if (common == NULL) {
        lk_cli_fail("LATCHKEY_COMMON_PASSWORDS_FILE: %s. Install Debian's john-data package or "
                    "point the variable at a list of common passwords.",
                    error);
        return -1;
    }

    password_buffer_t password;
    char reason[192];
    int status = read_password(&password);

    if (status == 0 && lk_password_policy_check(common, password.text, password.length, reason,
                                                sizeof reason) != 0) {
        lk_cli_fail("the password is rejected: %s", reason);
        status = -1;
    }
    lk_password_params_t params = lk_password_params_default();
    if (status == 0 && lk_password_hash(&params, password.text, password.length, hash) != 0) {
        lk_cli_fail("hashing the password failed: out of memory");
        status = -1;
    }
    sodium_memzero(&password, sizeof password);
    lk_common_passwords_destroy(common);
    return status;
}

/* Inserts the user and prints the new record. */
static int create_user(PGconn *connection, const char *email, const char *hash, bool json)
{
    char actor[128];
    char id[37];
    int64_t created_at = 0;

    lk_cli_actor(actor, sizeof actor);
    lk_store_result_t result = lk_store_user_create(connection, email, hash, actor, id,
                                                    &created_at);
    if (result == LK_STORE_CONFLICT)
        return lk_cli_fail("a user with email %s already exists", email);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "creating the user");

    if (json)
        return lk_cli_print_json(json_pack("{s:s, s:s, s:o}", "id", id, "email", email,
                                           "created_at", lk_cli_time_json(created_at)));
    printf("created user %s (%s)\n", id, email);
    return LK_EXIT_OK;
}

static int users_create(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "users create", json_options, COUNT_OF(json_options),
                               1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("users create: missing EMAIL");

    const char *email = arguments.positionals[0];
    if (!is_valid_email(email))
        return lk_cli_usage_error("users create: invalid email \"%s\": expected "
                                  "local@domain without spaces, at most %d bytes",
                                  email, LK_EMAIL_MAX_LENGTH);

    lk_config_t config;
    if (lk_cli_load_config(&config, LK_NEED_DATABASE) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    char hash[LK_PASSWORD_HASH_SIZE];
    PGconn *connection = NULL;
    int status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK && read_password_hash(&config, hash) != 0)
        status = LK_EXIT_FAILURE;
    if (status == LK_EXIT_OK)
        status = create_user(connection, email, hash, arguments.values[JSON_ONLY] != NULL);

    sodium_memzero(hash, sizeof hash);
    PQfinish(connection);
    lk_config_dispose(&config);
    return status;
}

/*
 * Publishes the revocations of the disabled user's sessions through Redis, so that
 * running servers report the user's access tokens inactive within a second. Without
 * Redis the servers' session pruners publish them later, and the user stays disabled
 * either way.
 */
static void publish_revocations(const lk_config_t *config, PGconn *connection,
                                const char *user_id)
{
    if (config->redis_url == NULL) {
        fprintf(stderr, "latchkey: LATCHKEY_REDIS_URL is not set, so running servers learn "
                        "of the revoked sessions only from their session pruner\n");
        return;
    }

    char error[256];
    redisContext *redis = lk_redis_connect(config->redis_url, error, sizeof error);
    if (redis == NULL)
        fprintf(stderr, "latchkey: %s; running servers learn of the revoked sessions only "
                        "from their session pruner\n", error);
    lk_store_result_t result = lk_sessions_end_all_for_user(
        connection, redis, user_id, "user_disabled", config->access_token_ttl, NULL);
    if (result != LK_STORE_OK)
        fprintf(stderr, "latchkey: publishing the revoked sessions failed (%s)\n",
                lk_store_result_name(result));
    if (redis != NULL)
        redisFree(redis);
}

static int users_disable(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "users disable", json_options, COUNT_OF(json_options),
                               1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("users disable: missing EMAIL");

    lk_config_t config;
    if (lk_cli_load_config(&config, LK_NEED_DATABASE) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    const char *email = arguments.positionals[0];
    char actor[128];
    char id[37];
    PGconn *connection = NULL;
    lk_cli_actor(actor, sizeof actor);
    int status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK) {
        lk_store_result_t result = lk_store_user_disable(connection, email, actor, id);
        if (result == LK_STORE_NOT_FOUND)
            status = lk_cli_fail("no user has the email %s", email);
        else if (result != LK_STORE_OK)
            status = lk_cli_store_failure(result, "disabling the user");
    }
    if (status == LK_EXIT_OK)
        publish_revocations(&config, connection, id);
    if (status == LK_EXIT_OK && arguments.values[JSON_ONLY] != NULL)
        status = lk_cli_print_json(
            json_pack("{s:s, s:s, s:b}", "id", id, "email", email, "disabled", 1));
    else if (status == LK_EXIT_OK)
        printf("disabled user %s (%s) and revoked their sessions\n", id, email);

    PQfinish(connection);
    lk_config_dispose(&config);
    return status;
}

int lk_cli_users(int argc, char **argv)
{
    if (argc < 2)
        return lk_cli_usage_error("users: missing subcommand (create or disable)");

    const char *subcommand = argv[1];
    if (strcmp(subcommand, "create") == 0)
        return users_create(argc - 2, argv + 2);
    if (strcmp(subcommand, "disable") == 0)
        return users_disable(argc - 2, argv + 2);
    if (strcmp(subcommand, "--help") == 0 || strcmp(subcommand, "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    return lk_cli_usage_error("users: unknown subcommand \"%s\": expected create or disable",
                              subcommand);
}
