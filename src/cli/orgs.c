/*
 * `latchkey orgs create|list|add-member|remove-member|members`: organisations and their
 * members. Every change writes an audit event, and membership changes also reach the
 * running servers' caches through NOTIFY.
 */
#include "cli/cli.h"

#include "cli/display_name.h"
#include "store/memberships.h"
#include "store/organisations.h"
#include "store/users.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* Page size used when the command line reads every member. */
#define MEMBERS_PAGE 200

enum { CREATE_NAME, CREATE_JSON };

static const lk_cli_option_t create_options[] = {
    [CREATE_NAME] = {"--name", true},
    [CREATE_JSON] = {"--json", false},
};

enum { ADD_ROLE, ADD_JSON };

static const lk_cli_option_t add_options[] = {
    [ADD_ROLE] = {"--role", true},
    [ADD_JSON] = {"--json", false},
};

enum { JSON_ONLY };

static const lk_cli_option_t json_options[] = {
    [JSON_ONLY] = {"--json", false},
};

static int usage_invalid_slug(const char *command, const char *slug)
{
    return lk_cli_usage_error("%s: invalid slug \"%s\": expected 1 to %d characters of a-z, "
                              "0-9 and '-', not starting with '-'",
                              command, slug, LK_ORG_SLUG_MAX_LENGTH);
}

/* Finds the organisation `slug`, printing what to do when it does not exist. */
static int find_org(PGconn *connection, const char *slug, lk_organisation_record_t *org)
{
    lk_store_result_t result = lk_store_organisation_find_by_slug(connection, slug, org);
    if (result == LK_STORE_NOT_FOUND)
        return lk_cli_fail("no organisation has the slug \"%s\". Run 'latchkey orgs list' to "
                           "see them.",
                           slug);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "finding the organisation");
    return LK_EXIT_OK;
}

/* Finds the id of the user with `email`, printing what to do when there is none. */
static int find_user_id(PGconn *connection, const char *email, char user_id[37])
{
    lk_user_record_t user;
    lk_store_result_t result = lk_store_user_find_by_email(connection, email, &user);
    if (result == LK_STORE_OK)
        memcpy(user_id, user.id, 37);
    sodium_memzero(&user, sizeof user);

    if (result == LK_STORE_NOT_FOUND)
        return lk_cli_fail("no user has the email %s. Create one with 'latchkey users create'.",
                           email);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "finding the user");
    return LK_EXIT_OK;
}

static json_t *org_json(const lk_organisation_record_t *org, bool with_count)
{
    json_t *object = json_pack("{s:s, s:s, s:s, s:o}", "id", org->id, "slug", org->slug, "name",
                               org->name, "created_at", lk_cli_time_json(org->created_at));
    if (object != NULL && with_count)
        json_object_set_new(object, "member_count", json_integer(org->member_count));
    return object;
}

static int create_action(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    const char *slug = arguments->positionals[0];
    const char *name = arguments->values[CREATE_NAME] != NULL ? arguments->values[CREATE_NAME]
                                                               : slug;
    char actor[128];
    lk_cli_actor(actor, sizeof actor);

    lk_organisation_record_t org;
    lk_store_result_t result = lk_store_organisation_create(connection, slug, name, actor, &org);
    if (result == LK_STORE_CONFLICT)
        return lk_cli_fail("an organisation with the slug \"%s\" already exists", slug);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "creating the organisation");

    if (arguments->values[CREATE_JSON] != NULL)
        return lk_cli_print_json(org_json(&org, false));
    printf("created organisation %s (%s)\n", org.id, org.slug);
    return LK_EXIT_OK;
}

static int orgs_create(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "orgs create", create_options,
                               COUNT_OF(create_options), 1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("orgs create: missing SLUG");
    if (!lk_org_slug_is_valid(arguments.positionals[0]))
        return usage_invalid_slug("orgs create", arguments.positionals[0]);

    const char *name = arguments.values[CREATE_NAME];
    const char *problem = name != NULL ? lk_cli_display_name_problem(name,
                                                                     LK_ORG_NAME_MAX_CHARACTERS)
                                       : NULL;
    if (problem != NULL)
        return lk_cli_usage_error("orgs create: invalid --name: %s; expected 1 to %d characters "
                                  "on one line",
                                  problem, LK_ORG_NAME_MAX_CHARACTERS);
    return lk_cli_with_database(LK_NEED_DATABASE, create_action, &arguments);
}

static int visit_org_text(const lk_organisation_record_t *org, void *context)
{
    (void)context;
    char created[LK_CLI_TIME_SIZE];
    lk_cli_format_time(org->created_at, created);
    printf("%-36s  %-24s  %7lld  %-20s  %s\n", org->id, org->slug, (long long)org->member_count,
           created, org->name);
    return 0;
}

static int visit_org_json(const lk_organisation_record_t *org, void *context)
{
    return json_array_append_new(context, org_json(org, true));
}

static int list_action(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    bool json = arguments->values[JSON_ONLY] != NULL;
    json_t *array = json ? json_array() : NULL;
    if (json && array == NULL)
        return lk_cli_fail("building the JSON output failed: out of memory");
    if (!json)
        printf("%-36s  %-24s  %7s  %-20s  %s\n", "ID", "SLUG", "MEMBERS", "CREATED", "NAME");

    lk_store_result_t result = lk_store_organisation_list(
        connection, json ? visit_org_json : visit_org_text, array);
    if (result != LK_STORE_OK) {
        json_decref(array);
        return lk_cli_store_failure(result, "listing the organisations");
    }
    return json ? lk_cli_print_json(array) : LK_EXIT_OK;
}

static int orgs_list(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "orgs list", json_options, COUNT_OF(json_options), 0,
                               &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    return lk_cli_with_database(LK_NEED_DATABASE, list_action, &arguments);
}

/* Prints the outcome of add-member as text or JSON. */
static int print_membership_change(const lk_organisation_record_t *org, const char *user_id,
                                   const char *email, lk_org_role_t role,
                                   lk_org_role_t previous, bool json)
{
    if (json)
        return lk_cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:o}", "org_id", org->id, "slug", org->slug, "user_id",
            user_id, "email", email, "role", lk_org_role_name(role), "previous_role",
            previous != LK_ROLE_NONE ? json_string(lk_org_role_name(previous)) : json_null()));

    if (previous == LK_ROLE_NONE)
        printf("added %s to %s as %s\n", email, org->slug, lk_org_role_name(role));
    else if (previous != role)
        printf("changed the role of %s in %s from %s to %s\n", email, org->slug,
               lk_org_role_name(previous), lk_org_role_name(role));
    else
        printf("%s already has the role %s in %s\n", email, lk_org_role_name(role), org->slug);
    return LK_EXIT_OK;
}

static int add_member_action(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    const char *slug = arguments->positionals[0];
    const char *email = arguments->positionals[1];
    const char *role_name = arguments->values[ADD_ROLE];
    lk_org_role_t role = lk_org_role_parse(role_name, strlen(role_name));

    lk_organisation_record_t org;
    char user_id[37];
    int status = find_org(connection, slug, &org);
    if (status == LK_EXIT_OK)
        status = find_user_id(connection, email, user_id);
    if (status != LK_EXIT_OK)
        return status;

    char actor[128];
    lk_cli_actor(actor, sizeof actor);
    lk_org_role_t previous = LK_ROLE_NONE;
    lk_store_result_t result =
        lk_store_membership_put(connection, org.id, user_id, role, actor, &previous);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "adding the member");
    return print_membership_change(&org, user_id, email, role, previous,
                                   arguments->values[ADD_JSON] != NULL);
}

static int orgs_add_member(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "orgs add-member", add_options, COUNT_OF(add_options),
                               2, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 2)
        return lk_cli_usage_error("orgs add-member: expected SLUG and EMAIL");
    if (!lk_org_slug_is_valid(arguments.positionals[0]))
        return usage_invalid_slug("orgs add-member", arguments.positionals[0]);

    const char *role = arguments.values[ADD_ROLE];
    if (role == NULL)
        return lk_cli_usage_error("orgs add-member: missing --role owner|admin|member");
    if (lk_org_role_parse(role, strlen(role)) == LK_ROLE_NONE)
        return lk_cli_usage_error("orgs add-member: invalid role \"%s\": expected owner, admin "
                                  "or member",
                                  role);
    return lk_cli_with_database(LK_NEED_DATABASE, add_member_action, &arguments);
}

static int remove_member_action(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    const char *slug = arguments->positionals[0];
    const char *email = arguments->positionals[1];
    lk_organisation_record_t org;
    char user_id[37];
    int status = find_org(connection, slug, &org);
    if (status == LK_EXIT_OK)
        status = find_user_id(connection, email, user_id);
    if (status != LK_EXIT_OK)
        return status;

    char actor[128];
    lk_cli_actor(actor, sizeof actor);
    lk_org_role_t previous = LK_ROLE_NONE;
    lk_store_result_t result =
        lk_store_membership_remove(connection, org.id, user_id, actor, &previous);
    if (result == LK_STORE_NOT_FOUND)
        return lk_cli_fail("%s is not a member of %s", email, slug);
    if (result != LK_STORE_OK)
        return lk_cli_store_failure(result, "removing the member");

    if (arguments->values[JSON_ONLY] != NULL)
        return lk_cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "org_id", org.id, "slug",
                                           org.slug, "user_id", user_id, "email", email,
                                           "removed_role", lk_org_role_name(previous)));
    printf("removed %s (%s) from %s\n", email, lk_org_role_name(previous), org.slug);
    return LK_EXIT_OK;
}

static int orgs_remove_member(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "orgs remove-member", json_options,
                               COUNT_OF(json_options), 2, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 2)
        return lk_cli_usage_error("orgs remove-member: expected SLUG and EMAIL");
    if (!lk_org_slug_is_valid(arguments.positionals[0]))
        return usage_invalid_slug("orgs remove-member", arguments.positionals[0]);
    return lk_cli_with_database(LK_NEED_DATABASE, remove_member_action, &arguments);
}

/* Prints one page of members as text or appends it to `array`. */
static int emit_members(const lk_member_record_t *members, size_t count, json_t *array)
{
    for (size_t i = 0; i < count; i++) {
        if (array == NULL) {
            char joined[LK_CLI_TIME_SIZE];
            lk_cli_format_time(members[i].joined_at, joined);
            printf("%-36s  %-6s  %-20s  %s\n", members[i].user_id,
                   lk_org_role_name(members[i].role), joined, members[i].email);
        } else if (json_array_append_new(
                       array, json_pack("{s:s, s:s, s:s, s:o}", "user_id", members[i].user_id,
                                        "email", members[i].email, "role",
                                        lk_org_role_name(members[i].role), "joined_at",
                                        lk_cli_time_json(members[i].joined_at))) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Reads the members page by page, so that a large organisation needs bounded memory. */
static lk_store_result_t read_all_members(PGconn *connection, const char *org_id, json_t *array)
{
    lk_member_record_t *members = calloc(MEMBERS_PAGE, sizeof *members);
    if (members == NULL)
        return LK_STORE_ERROR;

    char after[37] = "";
    bool has_more = true;
    lk_store_result_t result = LK_STORE_OK;
    while (result == LK_STORE_OK && has_more) {
        size_t count = 0;
        result = lk_store_members_page(connection, org_id, after[0] != '\0' ? after : NULL,
                                       MEMBERS_PAGE, members, &count, &has_more);
        if (result == LK_STORE_OK && emit_members(members, count, array) != 0)
            result = LK_STORE_ERROR;
        if (result == LK_STORE_OK && count > 0)
            memcpy(after, members[count - 1].user_id, sizeof after);
    }
    free(members);
    return result;
}

static int members_action(PGconn *connection, const void *context)
{
    const lk_cli_arguments_t *arguments = context;
    lk_organisation_record_t org;
    int status = find_org(connection, arguments->positionals[0], &org);
    if (status != LK_EXIT_OK)
        return status;

    bool json = arguments->values[JSON_ONLY] != NULL;
    json_t *array = json ? json_array() : NULL;
    if (json && array == NULL)
        return lk_cli_fail("building the JSON output failed: out of memory");
    if (!json)
        printf("%-36s  %-6s  %-20s  %s\n", "USER ID", "ROLE", "JOINED", "EMAIL");

    lk_store_result_t result = read_all_members(connection, org.id, array);
    if (result != LK_STORE_OK) {
        json_decref(array);
        return lk_cli_store_failure(result, "listing the members");
    }
    return json ? lk_cli_print_json(array) : LK_EXIT_OK;
}

static int orgs_members(int argc, char **argv)
{
    lk_cli_arguments_t arguments;
    if (lk_cli_parse_or_report(argc, argv, "orgs members", json_options, COUNT_OF(json_options),
                               1, &arguments) != LK_EXIT_OK)
        return LK_EXIT_USAGE;
    if (arguments.positional_count != 1)
        return lk_cli_usage_error("orgs members: missing SLUG");
    if (!lk_org_slug_is_valid(arguments.positionals[0]))
        return usage_invalid_slug("orgs members", arguments.positionals[0]);
    return lk_cli_with_database(LK_NEED_DATABASE, members_action, &arguments);
}

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
} subcommand_t;

static const subcommand_t subcommands[] = {
    {"create", orgs_create},
    {"list", orgs_list},
    {"add-member", orgs_add_member},
    {"remove-member", orgs_remove_member},
    {"members", orgs_members},
};

int lk_cli_orgs(int argc, char **argv)
{
    if (argc < 2)
        return lk_cli_usage_error("orgs: missing subcommand (create, list, add-member, "
                                  "remove-member or members)");

    const char *name = argv[1];
    for (size_t i = 0; i < COUNT_OF(subcommands); i++) {
        if (strcmp(name, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 2, argv + 2);
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        lk_cli_print_usage(stderr);
        return LK_EXIT_USAGE;
    }
    return lk_cli_usage_error("orgs: unknown subcommand \"%s\": expected create, list, "
                              "add-member, remove-member or members",
                              name);
}
