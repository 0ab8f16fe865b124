/*
 * `latchkey outbox list|mark-sent|watch`: the messages that latchkey queues for the
 * operator's mailer (password-reset mails). `watch` is a stand-in mailer for development:
 * it prints each new message, reset link included, and marks it sent.
 */
#include "cli/cli.h"

#include "store/outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_ALL, LIST_JSON };

static const lk_cli_option_t list_options[] = {
    [LIST_ALL] = {"--all", false},
    [LIST_JSON] = {"--json", false},
};

enum { JSON_ONLY };

static const lk_cli_option_t json_options[] = {
    [JSON_ONLY] = {"--json", false},
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* Seconds `watch` waits for a notification before it looks for messages anyway. */
#define WATCH_POLL_SECONDS 5

static volatile sig_atomic_t stop_requested;

/* Returns a new JSON object of a message; the payload is parsed back into JSON. */
static json_t *message_json(const lk_outbox_message_t *message)
{
    json_t *payload = json_loads(message->payload, 0, NULL);
    return json_pack("{s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)message->id, "kind",
                     message->kind, "created_at", lk_cli_time_json(message->created_at),
                     "sent_at", lk_cli_time_json(message->sent_at), "payload",
                     payload != NULL ? payload : json_null());
}

static void print_text(const lk_outbox_message_t *message)
{
    char created[LK_CLI_TIME_SIZE];
    lk_cli_format_time(message->created_at, created);
    printf("%" PRId64 " %s %s %s %s\n", message->id, message->kind, created,
           message->sent_at != 0 ? "sent" : "unsent", message->payload);
}

static int print_messages(const lk_outbox_message_t *messages, size_t count, bool json)
{
    if (!json) {
        for (size_t i = 0; i < count; i++)
            print_text(&messages[i]);
        return fflush(stdout) == 0 ? LK_EXIT_OK : lk_cli_fail("writing to standard output failed");
    }
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++) {
        if (json_array_append_new(list, message_json(&messages[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return lk_cli_print_json(list != NULL ? json_pack("{s:o}", "messages", list) : NULL);
}

static int outbox_list(int argc, char **argv, PGconn *connection)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "outbox list", list_options, COUNT_OF(list_options), 0,
                               &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    lk_outbox_message_t *messages = NULL;
    size_t count = 0;
    lk_store_result_t result =
        lk_store_outbox_list(connection, arguments.values[LIST_ALL] != NULL, &messages, &count);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "listing the outbox");
    int status = print_messages(messages, count, arguments.values[LIST_JSON] != NULL);
    lk_store_outbox_messages_free(messages, count);
    return status;
}

/* Parses a positive message id. Returns 0, or -1 for anything else. */
static int parse_id(const char *text, int64_t *id)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1 || text[0] == '+')
        return -1;
    *id = value;
    return 0;
}

static int outbox_mark_sent(int argc, char **argv, PGconn *connection)
{
    lk_cli_arguments_t arguments;
    int64_t id = 0;
    if (lk_cli_parse_or_report(argc, argv, "outbox mark-sent", json_options,
                               COUNT_OF(json_options), 1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("outbox mark-sent: missing ID");
    if (parse_id(arguments.positionals[0], &id) != 0)
        return lk_cli_usage_error("outbox mark-sent: invalid ID \"%s\": expected a positive "
                                  "integer from 'latchkey outbox list'",
                                  arguments.positionals[0]);

    lk_store_result_t result = lk_store_outbox_mark_sent(connection, id);
    if (result == LK_STORE_NOT_FOUND)
        return lk_cli_fail("no unsent outbox message has the id %" PRId64, id);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "marking the message sent");
    if (arguments.values[JSON_ONLY] != NULL)
        return lk_cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)id, "sent", 1));
    printf("marked outbox message %" PRId64 " sent\n", id);
    return LK_EXIT_OK;
}

/* Prints every unsent message as one JSON line and marks it sent. */
static int deliver_unsent(PGconn *connection)
{
    lk_outbox_message_t *messages = NULL;
    size_t count = 0;
    lk_store_result_t result = lk_store_outbox_list(connection, false, &messages, &count);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "listing the outbox");

    int status = LK_EXIT_OK;
    for (size_t i = 0; i < count && status == LK_EXIT_OK; i++) {
        status = lk_cli_print_json(message_json(&messages[i]));
        result = status == LK_EXIT_OK ? lk_store_outbox_mark_sent(connection, messages[i].id)
                                      : LK_STORE_OK;
        if (result != LK_STORE_OK && result != LK_STORE_NOT_FOUND)
            status = lk_cli_store_failure(result, "marking the message sent");
    }
    lk_store_outbox_messages_free(messages, count);
    return status;
}

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

/* Waits for a notification on the connection, a signal or WATCH_POLL_SECONDS. */
static void wait_for_notification(PGconn *connection)
{
    struct pollfd descriptor = {.fd = PQsocket(connection), .events = POLLIN};
    if (poll(&descriptor, 1, WATCH_POLL_SECONDS * 1000) > 0 && PQconsumeInput(connection) == 1) {
        PGnotify *notification;
        while ((notification = PQnotifies(connection)) != NULL)
            PQfreemem(notification);
    }
}

static int outbox_watch(int argc, char **argv, PGconn *connection)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "outbox watch", NULL, 0, 0, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    struct sigaction action = {.sa_handler = on_stop_signal};
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    PGresult *listen = PQexec(connection, "LISTEN " LK_OUTBOX_CHANNEL);
    lk_store_result_t listening = lk_db_result(connection, listen, PGRES_COMMAND_OK, "listen");
    PQclear(listen);
    if (listening != LK_STORE_OK)
        return lk_cli_store_failure(listening, "listening for outbox messages");
    fprintf(stderr, "latchkey: watching the outbox; each new message is printed and marked "
                    "sent (Ctrl-C stops)\n");

    int status = LK_EXIT_OK;
    while (!stop_requested && status == LK_EXIT_OK) {
        status = deliver_unsent(connection);
        if (status == LK_EXIT_OK && !stop_requested)
            wait_for_notification(connection);
        if (PQstatus(connection) != CONNECTION_OK)
            status = lk_cli_fail("the database connection was lost; start the watch again");
    }
    return status;
}

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv, PGconn *connection);
} subcommand_t;

static const subcommand_t subcommands[] = {
    {"list", outbox_list},
    {"mark-sent", outbox_mark_sent},
    {"watch", outbox_watch},
};

/* Loads the configuration, connects, and runs the subcommand. */
static int run_with_connection(const subcommand_t *subcommand, int argc, char **argv)
{
    lk_config_t config;
    if (lk_cli_load_config(&config, LK_NEED_DATABASE) != LK_EXIT_OK)
        return LK_EXIT_FAILURE;

    PGconn *connection = NULL;
    int status = lk_cli_connect(&config, &connection);
    if (status == LK_EXIT_OK)
        status = subcommand->run(argc, argv, connection);
    PQfinish(connection);
    lk_config_dispose(&config);
    return status;
}

int lk_cli_outbox(int argc, char **argv)
{
    if (argc < 2)
        return lk_cli_usage_error("outbox: missing subcommand (list, mark-sent or watch)");

    const char *name = argv[1];
    for (size_t i = 0; i < COUNT_OF(subcommands); i++) {
        if (strcmp(name, subcommands[i].name) == 0)
            return run_with_connection(&subcommands[i], argc - 2, argv + 2);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    return lk_cli_usage_error("outbox: unknown subcommand \"%s\": expected list, mark-sent or "
                              "watch",
                              name);
}
