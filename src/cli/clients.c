/*
 * `latchkey clients create|revoke|list`: the service clients that call latchkey's verify,
 * introspection and membership endpoints. A secret is printed once, at creation, and only
 * its HMAC is stored. Creating and revoking write audit events and reach the running servers'
 * caches through NOTIFY.
 */
#include "cli/cli.h"

#include "cli/display_name.h"
#include "crypto/client_secret.h"
#include "store/service_clients.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

enum { CREATE_SCOPE, CREATE_JSON };

static const lk_cli_option_t create_options[] = {
    [CREATE_SCOPE] = {"--scope", true},
    [CREATE_JSON] = {"--json", false},
};

enum { JSON_ONLY };

static const lk_cli_option_t json_options[] = {
    [JSON_ONLY] = {"--json", false},
};

typedef struct create_request {
    const char *name;
    lk_scope_set_t scopes;
    bool json;
} create_request_t;

/* A new client's credentials. wipe_credentials wipes the secret. */
typedef struct new_credentials {
    char id[LK_CLIENT_ID_LENGTH + 1];
    char secret[LK_CLIENT_SECRET_LENGTH + 1];
    char hash[LK_CLIENT_SECRET_HASH_LENGTH + 1];
} new_credentials_t;

static void wipe_credentials(new_credentials_t *credentials)
{
    sodium_memzero(credentials, sizeof *credentials);
}

static json_t *scopes_json(lk_scope_set_t scopes)
{
    json_t *array = json_array();
    for (lk_scope_set_t bit = 1; array != NULL && bit != 0 && bit <= scopes; bit <<= 1) {
        const char *name = (scopes & bit) != 0 ? lk_scope_name(bit) : NULL;
        if (name != NULL)
            json_array_append_new(array, json_string(name));
    }
    return array;
}

static int generate_credentials(new_credentials_t *credentials)
{
    if (lk_client_id_generate(credentials->id) != 0 ||
        lk_client_secret_generate(credentials->secret) != 0 ||
        lk_client_secret_hash(credentials->id, strlen(credentials->id), credentials->secret,
                              strlen(credentials->secret), credentials->hash) != 0)
        return lk_cli_fail("generating the client credentials failed");
    return LK_EXIT_OK;
}

/*
 * Prints the JSON document of a new client. The document contains the secret, so the text
 * and the string inside the document are wiped before they are freed.
 */
static int print_secret_json(json_t *document)
{
    char *text = document != NULL ? json_dumps(document, JSON_COMPACT) : NULL;
    json_t *secret = json_object_get(document, "client_secret");
    int status = LK_EXIT_OK;
    if (text == NULL)
        status = lk_cli_fail("building the JSON output failed: out of memory");
    else if (puts(text) == EOF || fflush(stdout) != 0)
        status = lk_cli_fail("writing to standard output failed");

    if (text != NULL) {
        sodium_memzero(text, strlen(text));
        free(text);
    }
    if (json_string_value(secret) != NULL)
        sodium_memzero((char *)json_string_value(secret), json_string_length(secret));
    json_decref(document);
    return status;
}

static int print_created(const new_credentials_t *credentials, const create_request_t *request,
                         int64_t created_at)
{
    if (request->json)
        return print_secret_json(json_pack("{s:s, s:s, s:s, s:o, s:o}", "client_id",
                                           credentials->id, "client_secret", credentials->secret,
                                           "name", request->name, "scopes",
                                           scopes_json(request->scopes), "created_at",
                                           lk_cli_time_json(created_at)));

    char scopes[LK_SCOPE_LIST_MAX_LENGTH];
    lk_scopes_format(request->scopes, scopes);
    printf("created service client %s (%s) with scopes %s\n", credentials->id, request->name,
           scopes);
    printf("client_id:     %s\nclient_secret: %s\n", credentials->id, credentials->secret);
    fflush(stdout);
    fputs("latchkey: store the secret now; it cannot be shown again\n", stderr);
    return LK_EXIT_OK;
}

static int create_client(PGconn *connection, const void *context)
{
    const create_request_t *request = context;
    new_credentials_t credentials;
    int status = generate_credentials(&credentials);
    char actor[128];
    lk_cli_actor(actor, sizeof actor);

    int64_t created_at = 0;
    if (status == LK_EXIT_OK) {
        lk_store_result_t result = lk_store_service_client_create(
            connection, credentials.id, request->name, credentials.hash, request->scopes, actor,
            &created_at);
        if (result != LK_STORE_OK)
            status = lk_cli_store_failure(result, "creating the client");
    }
    if (status == LK_EXIT_OK)
        status = print_created(&credentials, request, created_at);
    wipe_credentials(&credentials);
    return status;
}

/* Parses --scope into `scopes`, or returns LK_EXIT_USAGE after naming the bad scope. */
static int parse_scopes(const char *list, lk_scope_set_t *scopes)
{
    char unknown[64];
    if (list == NULL)
        return lk_cli_usage_error("clients create: missing --scope SCOPE[,SCOPE...] (scopes: "
                                  "%s)",
                                  lk_scopes_known());
    if (lk_scopes_parse(list, scopes, unknown, sizeof unknown) != 0)
        return lk_cli_usage_error("clients create: unknown scope \"%s\": expected a "
                                  "comma-separated list of %s",
                                  unknown, lk_scopes_known());
    return LK_EXIT_OK;
}

static int clients_create(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "clients create", create_options,
                               COUNT_OF(create_options), 1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("clients create: missing NAME");

    create_request_t request = {.name = arguments.positionals[0],
                                .json = arguments.values[CREATE_JSON] != NULL};
    const char *problem = lk_cli_display_name_problem(request.name, LK_CLIENT_NAME_MAX_CHARACTERS);
    if (problem != NULL)
        return lk_cli_usage_error("clients create: invalid NAME: %s; expected 1 to %d "
                                  "characters on one line",
                                  problem, LK_CLIENT_NAME_MAX_CHARACTERS);
    if (parse_scopes(arguments.values[CREATE_SCOPE], &request.scopes) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    return lk_cli_with_database(LK_NEED_DATABASE, create_client, &request);
}

static json_t *client_json(const lk_service_client_record_t *client)
{
    return json_pack("{s:s, s:s, s:o, s:b, s:o, s:o}", "client_id", client->id, "name",
                     client->name, "scopes", scopes_json(client->scopes), "revoked",
                     client->revoked, "created_at", lk_cli_time_json(client->created_at),
                     "revoked_at", lk_cli_time_json(client->revoked_at));
}

/* Revokes the named client unless it is revoked already, and prints the result. */
static int revoke_client(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    const char *id = arguments->positionals[0];
    bool json = arguments->values[JSON_ONLY] != NULL;

    lk_service_client_record_t client;
    lk_store_result_t result = lk_store_service_client_find(connection, id, &client);
    bool already = result == LK_STORE_OK && client.revoked;
    if (result == LK_STORE_OK && !already) {
        char actor[128];
        lk_cli_actor(actor, sizeof actor);
        result = lk_store_service_client_revoke(connection, id, actor, &client);
    }
    if (result == LK_STORE_NOT_FOUND)
        return lk_cli_fail("no service client has the id \"%s\". Run 'latchkey clients list' "
                           "to see them.",
                           id);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "revoking the client");

    if (json)
        return lk_cli_print_json(client_json(&client));
    char revoked_at[LK_CLI_TIME_SIZE];
    lk_cli_format_time(client.revoked_at, revoked_at);
    printf("%s service client %s (%s) at %s\n", already ? "already revoked" : "revoked",
           client.id, client.name, revoked_at);
    return LK_EXIT_OK;
}

static int clients_revoke(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "clients revoke", json_options,
                               COUNT_OF(json_options), 1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("clients revoke: missing CLIENT_ID");
    const char *id = arguments.positionals[0];
    if (id[0] == '\0' || strlen(id) > LK_CLIENT_ID_MAX_LENGTH)
        return lk_cli_usage_error("clients revoke: invalid CLIENT_ID: expected 1 to %d "
                                  "characters",
                                  LK_CLIENT_ID_MAX_LENGTH);

    return lk_cli_with_database(LK_NEED_DATABASE, revoke_client, &arguments);
}

static int visit_client_text(const lk_service_client_record_t *client, void *context)
{
    (void)context;
    char scopes[LK_SCOPE_LIST_MAX_LENGTH];
    char created[LK_CLI_TIME_SIZE];
    char revoked[LK_CLI_TIME_SIZE];
    lk_scopes_format(client->scopes, scopes);
    lk_cli_format_time(client->created_at, created);
    lk_cli_format_time(client->revoked_at, revoked);
    printf("%-26s  %-26s  %-20s  %-20s  %s\n", client->id, scopes, created, revoked,
           client->name);
    return 0;
}

static int visit_client_json(const lk_service_client_record_t *client, void *context)
{
    return json_array_append_new(context, client_json(client));
}

static int list_clients(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    bool json = arguments->values[JSON_ONLY] != NULL;
    json_t *array = json ? json_array() : NULL;
    if (json && array == NULL)
        return lk_cli_fail("building the JSON output failed: out of memory");
    if (!json)
        printf("%-26s  %-26s  %-20s  %-20s  %s\n", "CLIENT ID", "SCOPES", "CREATED", "REVOKED",
               "NAME");

    lk_store_result_t result = lk_store_service_client_list(
        connection, json ? visit_client_json : visit_client_text, array);
    if (result != LK_STORE_OK) {
        json_decref(array);
        return lk_cli_store_failure(result, "listing the clients");
    }
    return json ? lk_cli_print_json(array) : LK_EXIT_OK;
}

static int clients_list(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "clients list", json_options, COUNT_OF(json_options),
                               0, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;

    return lk_cli_with_database(LK_NEED_DATABASE, list_clients, &arguments);
}

int lk_cli_clients(int argc, char **argv)
{
    if (argc < 2)
        return lk_cli_usage_error("clients: missing subcommand (create, revoke or list)");

    const char *subcommand = argv[1];
    if (strcmp(subcommand, "create") == 0)
        return clients_create(argc - 2, argv + 2);
    if (strcmp(subcommand, "revoke") == 0)
        return clients_revoke(argc - 2, argv + 2);
    if (strcmp(subcommand, "list") == 0)
        return clients_list(argc - 2, argv + 2);
    if (strcmp(subcommand, "--help") == 0 || strcmp(subcommand, "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    return lk_cli_usage_error("clients: unknown subcommand \"%s\": expected create, revoke or "
                              "list",
                              subcommand);
}
