/* End-to-end checks of the organisation endpoints: GET /v1/orgs/{org_id}/members/{user_id}
 * and its paginated listing, GET /v1/me, login scoped to an organisation, and verify with
 * org_id. Callers are the organisation's members of each role, outsiders, users of other
 * organisations, and service clients with and without the scope members:read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "support/command.h"
#include "support/http_client.h"
#include "support/org_fixtures.h"
#include "support/response_checks.h"
#include "support/token_parts.h"

#define NO_SUCH_ORG "00000000-0000-4000-8000-000000000000"

/* How long a membership change may take to reach an instance. */
enum { PROPAGATION_LIMIT_MS = 3000 };

/* Organisation A with one member of each role, organisation B with its own member, and
 * a user who belongs to both. */
static char a_slug[64], a_id[37], b_slug[64], b_id[37];
static struct lk_test_user owner, admin, member, outsider, both;
static struct lk_test_client verify_only, revoked;

static int set_up(void **state)
{
    if (lk_test_http_global_init(state) != 0) {
        return -1;
    }
    lk_test_make_org("alpha", a_slug, a_id);
    lk_test_make_org("beta", b_slug, b_id);
    lk_test_make_user("owner", &owner);
    lk_test_make_user("admin", &admin);
    lk_test_make_user("member", &member);
    lk_test_make_user("outsider", &outsider);
    lk_test_make_user("both", &both);
    lk_test_add_member(a_slug, owner.email, "owner");
    lk_test_add_member(a_slug, admin.email, "admin");
    lk_test_add_member(a_slug, member.email, "member");
    lk_test_add_member(b_slug, outsider.email, "owner");
    lk_test_add_member(a_slug, both.email, "member");
    lk_test_add_member(b_slug, both.email, "admin");
    lk_test_make_client("verify only", "tokens:verify", &verify_only);
    lk_test_make_client("revoked reader", "members:read", &revoked);
    lk_test_revoke_client(revoked.id);
    return 0;
}

static int tear_down(void **state)
{
    return lk_test_http_global_cleanup(state);
}

/* Sends GET PATH with HEADER and fails unless the status is EXPECTED. */
static void get_expecting(const char *path, const char *header, long expected,
                          struct lk_test_response *response)
{
    lk_test_request_with(NULL, "GET", path, header, response);
    if (response->status != expected) {
        fail_msg("GET %s: status %ld, expected %ld: %.300s", path, response->status, expected,
                 response->body);
    }
    lk_test_assert_security_headers(response);
}

/* Returns the JSON body of a 200 response to GET PATH with HEADER. */
static json_t *get_json(const char *path, const char *header)
{
    struct lk_test_response response;

    get_expecting(path, header, 200, &response);
    json_t *body = lk_test_json_body(&response);
    lk_test_response_dispose(&response);
    return body;
}

/* Fails unless GET PATH with HEADER returns a problem with STATUS and TYPE. */
static void expect_problem(const char *path, const char *header, long status, const char *type)
{
    struct lk_test_response response;

    get_expecting(path, header, status, &response);
    json_t *problem = lk_test_assert_problem(&response, status);
    const char *actual = json_string_value(json_object_get(problem, "type"));
    if (strcmp(actual, type) != 0) {
        fail_msg("GET %s: problem type %s, expected %s", path, actual, type);
    }
    json_decref(problem);
    lk_test_response_dispose(&response);
}

/* Fails unless OBJECT has exactly the members NAMES (NULL-terminated). */
static void assert_members_exactly(const json_t *object, const char *const *names)
{
    size_t count = 0;
    for (; names[count] != NULL; count++) {
        if (json_object_get(object, names[count]) == NULL) {
            fail_msg("member \"%s\" is missing", names[count]);
        }
    }
    if (json_object_size(object) != count) {
        char *text = json_dumps(object, JSON_COMPACT);
        fail_msg("object has %zu members, expected %zu: %s", json_object_size(object), count, text);
    }
}

static void member_path(const char *org_id, const char *user_id, char *path, size_t size)
{
    snprintf(path, size, "/v1/orgs/%s/members/%s", org_id, user_id);
}

static void bearer_for(const struct lk_test_user *user, const char *org_id, char *header, size_t size)
{
    char *token = lk_test_login_token(user, org_id);
    lk_test_bearer_header(token, header, size);
    free(token);
}

static void test_client_reads_one_membership(void **state)
{
    static const char *const fields[] = {"org_id", "user_id", "role", NULL};
    char client[512];
    char path[160];

    (void)state;
    lk_test_suite_client_header(client, sizeof(client));
    member_path(a_id, admin.id, path, sizeof(path));
    json_t *body = get_json(path, client);
    assert_members_exactly(body, fields);
    assert_string_equal(json_string_value(json_object_get(body, "org_id")), a_id);
    assert_string_equal(json_string_value(json_object_get(body, "user_id")), admin.id);
    assert_string_equal(json_string_value(json_object_get(body, "role")), "admin");
    json_decref(body);

    member_path(a_id, outsider.id, path, sizeof(path));
    expect_problem(path, client, 404, "urn:latchkey:problem:not-a-member");
    member_path(NO_SUCH_ORG, admin.id, path, sizeof(path));
    expect_problem(path, client, 404, "urn:latchkey:problem:not-a-member");
}

static void test_member_reads_other_members(void **state)
{
    char header[4200];
    char path[160];

    (void)state;
    bearer_for(&member, NULL, header, sizeof(header));
    member_path(a_id, owner.id, path, sizeof(path));
    json_t *body = get_json(path, header);
    assert_string_equal(json_string_value(json_object_get(body, "role")), "owner");
    json_decref(body);

    member_path(a_id, member.id, path, sizeof(path));
    body = get_json(path, header);
    assert_string_equal(json_string_value(json_object_get(body, "role")), "member");
    json_decref(body);

    member_path(a_id, outsider.id, path, sizeof(path));
    expect_problem(path, header, 404, "urn:latchkey:problem:not-a-member");
}

/* Outsiders get the same 403 whether the organisation exists or not. */
static void test_outsider_is_forbidden(void **state)
{
    char header[4200];
    char path[160];

    (void)state;
    bearer_for(&outsider, NULL, header, sizeof(header));
    member_path(a_id, owner.id, path, sizeof(path));
    expect_problem(path, header, 403, "urn:latchkey:problem:forbidden");
    member_path(a_id, outsider.id, path, sizeof(path));
    expect_problem(path, header, 403, "urn:latchkey:problem:forbidden");
    member_path(NO_SUCH_ORG, owner.id, path, sizeof(path));
    expect_problem(path, header, 403, "urn:latchkey:problem:forbidden");

    snprintf(path, sizeof(path), "/v1/orgs/%s/members", a_id);
    expect_problem(path, header, 403, "urn:latchkey:problem:forbidden");
    snprintf(path, sizeof(path), "/v1/orgs/%s/members", NO_SUCH_ORG);
    expect_problem(path, header, 403, "urn:latchkey:problem:forbidden");
}

/* A token scoped to organisation B is not accepted for A, although its user is in both. */
static void test_token_scoped_to_other_org(void **state)
{
    char header[4200];
    char path[160];

    (void)state;
    bearer_for(&both, b_id, header, sizeof(header));
    member_path(a_id, owner.id, path, sizeof(path));
    expect_problem(path, header, 403, "urn:latchkey:problem:forbidden");
    member_path(b_id, outsider.id, path, sizeof(path));
    json_t *body = get_json(path, header);
    assert_string_equal(json_string_value(json_object_get(body, "role")), "owner");
    json_decref(body);

    bearer_for(&both, NULL, header, sizeof(header));
    member_path(a_id, owner.id, path, sizeof(path));
    json_decref(get_json(path, header));
}

static void test_clients_without_rights(void **state)
{
    char header[512];
    char path[160];
    struct lk_test_response response;

    (void)state;
    member_path(a_id, owner.id, path, sizeof(path));
    lk_test_basic_header(verify_only.id, verify_only.secret, header, sizeof(header));
    expect_problem(path, header, 403, "urn:latchkey:problem:insufficient-scope");
    lk_test_basic_header(revoked.id, revoked.secret, header, sizeof(header));
    expect_problem(path, header, 401, "urn:latchkey:problem:invalid-client");
    lk_test_basic_header(verify_only.id, "lks_wrong", header, sizeof(header));
    expect_problem(path, header, 401, "urn:latchkey:problem:invalid-client");
    expect_problem(path, "Authorization: Basic !!", 401, "urn:latchkey:problem:invalid-client");

    snprintf(path, sizeof(path), "/v1/orgs/%s/members", a_id);
    lk_test_basic_header(verify_only.id, verify_only.secret, header, sizeof(header));
    expect_problem(path, header, 403, "urn:latchkey:problem:insufficient-scope");
    lk_test_basic_header(revoked.id, revoked.secret, header, sizeof(header));
    expect_problem(path, header, 401, "urn:latchkey:problem:invalid-client");

    /* No credentials at all: both schemes are offered. */
    get_expecting(path, NULL, 401, &response);
    size_t challenges = 0;
    for (size_t i = 0; i < response.header_count; i++) {
        challenges += strcasecmp(response.headers[i].name, "WWW-Authenticate") == 0;
    }
    assert_int_equal(challenges, 2);
    lk_test_response_dispose(&response);

    get_expecting(path, "Authorization: Bearer not.a.token", 401, &response);
    assert_non_null(strstr(lk_test_header(&response, "WWW-Authenticate"), "error=\"invalid_token\""));
    lk_test_response_dispose(&response);
}

static void test_malformed_ids_are_not_found(void **state)
{
    static const char *const paths[] = {
        "/v1/orgs/not-a-uuid/members",
        "/v1/orgs/not-a-uuid/members/00000000-0000-4000-8000-000000000000",
        "/v1/orgs/00000000-0000-4000-8000-000000000000/members/not-a-uuid",
        "/v1/orgs/00000000000040008000000000000000/members",
        "/v1/orgs/00000000-0000-4000-8000-00000000000g/members",
        "/v1/orgs/00000000-0000-4000-8000-000000000000/members/",
    };
    char client[512];

    (void)state;
    lk_test_suite_client_header(client, sizeof(client));
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        expect_problem(paths[i], client, 404, "urn:latchkey:problem:not-found");
    }
}

static void test_wrong_method_lists_allowed(void **state)
{
    char client[512];
    char path[160];
    struct lk_test_response response;

    (void)state;
    lk_test_suite_client_header(client, sizeof(client));
    snprintf(path, sizeof(path), "/v1/orgs/%s/members", a_id);
    lk_test_request_with(NULL, "POST", path, client, &response);
    json_decref(lk_test_assert_problem(&response, 405));
    lk_test_assert_header_equal(&response, "Allow", "GET");
    lk_test_response_dispose(&response);

    member_path(a_id, owner.id, path, sizeof(path));
    lk_test_request_with(NULL, "DELETE", path, client, &response);
    json_decref(lk_test_assert_problem(&response, 405));
    lk_test_assert_header_equal(&response, "Allow", "GET");
    lk_test_response_dispose(&response);
}

static void test_listing_by_role(void **state)
{
    char header[4200];
    char path[160];

    (void)state;
    snprintf(path, sizeof(path), "/v1/orgs/%s/members", a_id);
    const struct lk_test_user *managers[] = {&owner, &admin};
    for (size_t i = 0; i < 2; i++) {
        bearer_for(managers[i], NULL, header, sizeof(header));
        json_t *body = get_json(path, header);
        assert_int_equal(json_array_size(json_object_get(body, "members")), 4);
        json_decref(body);
    }
    bearer_for(&member, NULL, header, sizeof(header));
    expect_problem(path, header, 403, "urn:latchkey:problem:forbidden");

    lk_test_suite_client_header(header, sizeof(header));
    snprintf(path, sizeof(path), "/v1/orgs/%s/members", NO_SUCH_ORG);
    expect_problem(path, header, 404, "urn:latchkey:problem:not-found");
}

/* Reads every page of PATH with LIMIT and checks order, continuity and duplicates.
 * Returns the number of members seen. */
static size_t read_all_pages(const char *org_id, int limit, const char *header)
{
    static const char *const page_fields[] = {"org_id", "members", "next_cursor", NULL};
    static const char *const member_fields[] = {"user_id", "email", "role", "joined_at", NULL};
    char path[400];
    char previous[37] = "";
    char *cursor = NULL;
    size_t seen = 0;

    for (int page = 0; page < 100; page++) {
        if (cursor != NULL) {
            snprintf(path, sizeof(path), "/v1/orgs/%s/members?limit=%d&cursor=%s", org_id, limit, cursor);
        } else {
            snprintf(path, sizeof(path), "/v1/orgs/%s/members?limit=%d", org_id, limit);
        }
        json_t *body = get_json(path, header);
        assert_members_exactly(body, page_fields);
        json_t *members = json_object_get(body, "members");
        assert_true(json_array_size(members) <= (size_t)limit);

        size_t index;
        json_t *entry;
        json_array_foreach(members, index, entry) {
            assert_members_exactly(entry, member_fields);
            const char *user_id = json_string_value(json_object_get(entry, "user_id"));
            if (strcmp(user_id, previous) <= 0) {
                fail_msg("user %s follows %s: out of order or repeated", user_id, previous);
            }
            snprintf(previous, sizeof(previous), "%s", user_id);
            seen++;
        }

        free(cursor);
        cursor = NULL;
        json_t *next = json_object_get(body, "next_cursor");
        if (json_is_string(next)) {
            assert_int_equal(json_array_size(members), limit);
            cursor = strdup(json_string_value(next));
        } else {
            assert_true(json_is_null(next));
        }
        json_decref(body);
        if (cursor == NULL) {
            return seen;
        }
    }
    fail_msg("more than 100 pages");
    return seen;
}

static void test_pagination(void **state)
{
    char slug[64], id[37];
    struct lk_test_user users[7];
    char header[512];

    (void)state;
    lk_test_make_org("paged", slug, id);
    for (size_t i = 0; i < 7; i++) {
        lk_test_make_user("paged", &users[i]);
        lk_test_add_member(slug, users[i].email, i == 0 ? "owner" : "member");
    }
    lk_test_suite_client_header(header, sizeof(header));
    assert_int_equal(read_all_pages(id, 3, header), 7);
    assert_int_equal(read_all_pages(id, 1, header), 7);
    assert_int_equal(read_all_pages(id, 7, header), 7);
    assert_int_equal(read_all_pages(id, 200, header), 7);

    /* Without a limit the default page size (50) contains all seven. */
    char path[160];
    snprintf(path, sizeof(path), "/v1/orgs/%s/members", id);
    json_t *body = get_json(path, header);
    assert_int_equal(json_array_size(json_object_get(body, "members")), 7);
    assert_true(json_is_null(json_object_get(body, "next_cursor")));
    json_decref(body);

    /* The owner of the organisation pages too. */
    char bearer[4200];
    bearer_for(&users[0], NULL, bearer, sizeof(bearer));
    assert_int_equal(read_all_pages(id, 4, bearer), 7);
}

static void test_paging_errors(void **state)
{
    static const char *const bad_limits[] = {"0", "201", "-1", "ten", "", "1.5", "99999999999999999999"};
    char header[512];
    char path[400];
    struct lk_test_response response;

    (void)state;
    lk_test_suite_client_header(header, sizeof(header));
    for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
        snprintf(path, sizeof(path), "/v1/orgs/%s/members?limit=%s", a_id, bad_limits[i]);
        get_expecting(path, header, 400, &response);
        json_t *problem = lk_test_assert_problem(&response, 400);
        if (!lk_test_problem_names_field(problem, "limit")) {
            fail_msg("limit=%s: the problem does not name limit", bad_limits[i]);
        }
        json_decref(problem);
        lk_test_response_dispose(&response);
    }

    static const char *const bad_queries[][2] = {
        {"cursor=garbage", "cursor"},
        {"cursor=", "cursor"},
        {"colour=red", "colour"},
        {"limit=2&limit=3", "limit"},
    };
    for (size_t i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]); i++) {
        snprintf(path, sizeof(path), "/v1/orgs/%s/members?%s", a_id, bad_queries[i][0]);
        get_expecting(path, header, 400, &response);
        json_t *problem = lk_test_assert_problem(&response, 400);
        if (!lk_test_problem_names_field(problem, bad_queries[i][1])) {
            fail_msg("%s: the problem does not name %s", bad_queries[i][0], bad_queries[i][1]);
        }
        json_decref(problem);
        lk_test_response_dispose(&response);
    }

    /* A query string over the limit is refused before it is parsed. */
    char long_path[3200];
    int written = snprintf(long_path, sizeof(long_path), "/v1/orgs/%s/members?cursor=", a_id);
    memset(long_path + written, 'a', sizeof(long_path) - (size_t)written - 1);
    long_path[sizeof(long_path) - 1] = '\0';
    get_expecting(long_path, header, 400, &response);
    json_decref(lk_test_assert_problem(&response, 400));
    lk_test_response_dispose(&response);

    /* A cursor of organisation A is refused for organisation B. */
    snprintf(path, sizeof(path), "/v1/orgs/%s/members?limit=1", a_id);
    json_t *body = get_json(path, header);
    const char *cursor = json_string_value(json_object_get(body, "next_cursor"));
    assert_non_null(cursor);
    snprintf(path, sizeof(path), "/v1/orgs/%s/members?cursor=%s", b_id, cursor);
    json_decref(body);
    get_expecting(path, header, 400, &response);
    lk_test_response_dispose(&response);
}

static void test_me_lists_memberships(void **state)
{
    static const char *const fields[] = {"id", "email", "memberships", NULL};
    static const char *const membership_fields[] = {"org_id", "slug", "name", "role", NULL};
    char header[4200];

    (void)state;
    bearer_for(&both, NULL, header, sizeof(header));
    json_t *body = get_json("/v1/me", header);
    assert_members_exactly(body, fields);
    assert_string_equal(json_string_value(json_object_get(body, "id")), both.id);
    assert_string_equal(json_string_value(json_object_get(body, "email")), both.email);
    json_t *memberships = json_object_get(body, "memberships");
    assert_int_equal(json_array_size(memberships), 2);

    size_t index;
    json_t *entry;
    json_array_foreach(memberships, index, entry) {
        assert_members_exactly(entry, membership_fields);
        const char *org = json_string_value(json_object_get(entry, "org_id"));
        const char *role = json_string_value(json_object_get(entry, "role"));
        if (strcmp(org, a_id) == 0) {
            assert_string_equal(role, "member");
            assert_string_equal(json_string_value(json_object_get(entry, "slug")), a_slug);
            assert_string_equal(json_string_value(json_object_get(entry, "name")), "alpha");
        } else {
            assert_string_equal(org, b_id);
            assert_string_equal(role, "admin");
        }
    }
    json_decref(body);

    bearer_for(&member, NULL, header, sizeof(header));
    body = get_json("/v1/me", header);
    assert_int_equal(json_array_size(json_object_get(body, "memberships")), 1);
    json_decref(body);

    expect_problem("/v1/me", NULL, 401, "urn:latchkey:problem:unauthenticated");
    expect_problem("/v1/me", "Authorization: Bearer abc", 401, "urn:latchkey:problem:invalid-token");
}

/* A token outlives the disabling of its account, but /v1/me does not serve it. */
static void test_me_rejects_disabled_account(void **state)
{
    struct lk_test_user leaving;
    char header[4200];
    struct lk_test_command_result result;

    (void)state;
    lk_test_make_user("leaving", &leaving);
    bearer_for(&leaving, NULL, header, sizeof(header));
    json_decref(get_json("/v1/me", header));

    const char *const disable[] = {"users", "disable", leaving.email, NULL};
    lk_test_run_latchkey(disable, NULL, &result);
    assert_int_equal(result.exit_status, 0);
    lk_test_command_result_dispose(&result);

    struct lk_test_response response;
    get_expecting("/v1/me", header, 401, &response);
    assert_non_null(strstr(lk_test_header(&response, "WWW-Authenticate"), "error=\"invalid_token\""));
    lk_test_response_dispose(&response);
}

static void test_login_scoped_to_org(void **state)
{
    (void)state;
    char *token = lk_test_login_token(&admin, a_id);
    json_t *claims = lk_test_token_segment_json(token, 1);
    assert_string_equal(json_string_value(json_object_get(claims, "org_id")), a_id);
    assert_string_equal(json_string_value(json_object_get(claims, "role")), "admin");
    json_decref(claims);
    free(token);

    token = lk_test_login_token(&admin, NULL);
    claims = lk_test_token_segment_json(token, 1);
    assert_null(json_object_get(claims, "org_id"));
    assert_null(json_object_get(claims, "role"));
    json_decref(claims);
    free(token);
}

static void post_login(const struct lk_test_user *user, const char *password, const char *org_id,
                       struct lk_test_response *response)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "email", user->email, "password", password,
                             "org_id", org_id);
    char *text = json_dumps(body, JSON_COMPACT);
    lk_test_post_json("/v1/login", text, response);
    free(text);
    json_decref(body);
}

static void test_login_errors_with_org(void **state)
{
    struct lk_test_response response;

    (void)state;
    post_login(&outsider, outsider.password, a_id, &response);
    json_t *problem = lk_test_assert_problem(&response, 403);
    assert_string_equal(json_string_value(json_object_get(problem, "type")),
                        "urn:latchkey:problem:not-a-member");
    assert_null(strstr(response.body, "access_token"));
    json_decref(problem);
    lk_test_response_dispose(&response);

    post_login(&outsider, outsider.password, NO_SUCH_ORG, &response);
    json_decref(lk_test_assert_problem(&response, 403));
    lk_test_response_dispose(&response);

    /* The password is checked first, so a wrong one never reveals membership. */
    post_login(&outsider, "wrong password 1", a_id, &response);
    json_decref(lk_test_assert_problem(&response, 401));
    lk_test_response_dispose(&response);

    post_login(&outsider, outsider.password, "not-a-uuid", &response);
    problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "org_id"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

/* Verifies TOKEN with ORG_ID as the suite's client and returns the 200 body. */
static json_t *verify_with_org(const char *token, const char *org_id)
{
    json_t *request = json_pack("{s:s}", "token", token);
    if (org_id != NULL) {
        json_object_set_new(request, "org_id", json_string(org_id));
    }
    char *text = json_dumps(request, JSON_COMPACT);
    char client[512];
    struct lk_test_response response;

    lk_test_suite_client_header(client, sizeof(client));
    lk_test_post_json_with("/v1/token/verify", text, client, &response);
    if (response.status != 200) {
        fail_msg("verify returned %ld: %.300s", response.status, response.body);
    }
    json_t *body = lk_test_json_body(&response);
    lk_test_response_dispose(&response);
    free(text);
    json_decref(request);
    return body;
}

static void assert_inactive(json_t *body, const char *description)
{
    if (!json_is_false(json_object_get(body, "active")) || json_object_size(body) != 1) {
        fail_msg("%s: the response is not exactly {\"active\":false}", description);
    }
    json_decref(body);
}

static void test_verify_with_org(void **state)
{
    (void)state;
    char *token = lk_test_login_token(&member, NULL);
    json_t *body = verify_with_org(token, a_id);
    assert_true(json_is_true(json_object_get(body, "active")));
    assert_string_equal(json_string_value(json_object_get(body, "org_id")), a_id);
    assert_string_equal(json_string_value(json_object_get(body, "role")), "member");
    assert_string_equal(json_string_value(json_object_get(body, "sub")), member.id);
    json_decref(body);

    body = verify_with_org(token, NULL);
    assert_true(json_is_true(json_object_get(body, "active")));
    assert_null(json_object_get(body, "org_id"));
    json_decref(body);

    assert_inactive(verify_with_org(token, b_id), "member of A verified for B");
    assert_inactive(verify_with_org(token, NO_SUCH_ORG), "non-existent organisation");
    free(token);

    /* A token scoped to B is not active for A, although its user is in both. */
    token = lk_test_login_token(&both, b_id);
    assert_inactive(verify_with_org(token, a_id), "token scoped to another organisation");
    body = verify_with_org(token, b_id);
    assert_string_equal(json_string_value(json_object_get(body, "role")), "admin");
    json_decref(body);
    free(token);
}

static void test_verify_rejects_malformed_org(void **state)
{
    char client[512];
    struct lk_test_response response;

    (void)state;
    lk_test_suite_client_header(client, sizeof(client));
    lk_test_post_json_with("/v1/token/verify", "{\"token\":\"a.b.c\",\"org_id\":\"x\"}", client,
                           &response);
    json_t *problem = lk_test_assert_problem(&response, 400);
    assert_true(lk_test_problem_names_field(problem, "org_id"));
    json_decref(problem);
    lk_test_response_dispose(&response);
}

static long long now_milliseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Returns the role BASE_URL reports for USER in A, or "" for 404. */
static char *role_at(const char *base_url, const char *user_id)
{
    char client[512];
    char path[160];
    struct lk_test_response response;

    lk_test_suite_client_header(client, sizeof(client));
    member_path(a_id, user_id, path, sizeof(path));
    lk_test_request_with(base_url, "GET", path, client, &response);
    char *role = strdup("");
    if (response.status == 200) {
        json_t *body = lk_test_json_body(&response);
        free(role);
        role = strdup(json_string_value(json_object_get(body, "role")));
        json_decref(body);
    } else if (response.status != 404) {
        fail_msg("GET %s at %s returned %ld", path, base_url, response.status);
    }
    lk_test_response_dispose(&response);
    return role;
}

/* Polls both instances until they report EXPECTED for USER, within the limit. */
static void await_role_everywhere(const char *user_id, const char *expected)
{
    const char *instances[] = {lk_test_env("LK_TEST_BASE_URL"), lk_test_env("LK_TEST_SECOND_BASE_URL")};

    for (size_t i = 0; i < 2; i++) {
        long long deadline = now_milliseconds() + PROPAGATION_LIMIT_MS;
        for (;;) {
            char *role = role_at(instances[i], user_id);
            bool done = strcmp(role, expected) == 0;
            free(role);
            if (done) {
                break;
            }
            if (now_milliseconds() > deadline) {
                fail_msg("%s did not report role \"%s\" within %d ms", instances[i], expected,
                         PROPAGATION_LIMIT_MS);
            }
            struct timespec pause = {.tv_nsec = 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
}

/* tests/run.sh caches memberships for 60 seconds, so changes seen within 3 seconds on
 * both instances arrived through NOTIFY. */
static void test_changes_reach_both_instances(void **state)
{
    struct lk_test_user moving;

    (void)state;
    lk_test_make_user("moving", &moving);
    await_role_everywhere(moving.id, "");
    lk_test_add_member(a_slug, moving.email, "member");
    await_role_everywhere(moving.id, "member");
    lk_test_add_member(a_slug, moving.email, "admin");
    await_role_everywhere(moving.id, "admin");
    lk_test_remove_member(a_slug, moving.email);
    await_role_everywhere(moving.id, "");
}

/* A change written straight to the table sends no NOTIFY, so the cached role stays until
 * a notification arrives: the response really comes from the cache. */
static void test_roles_come_from_cache(void **state)
{
    struct lk_test_user cached;
    char sql[400];

    (void)state;
    lk_test_make_user("cached", &cached);
    lk_test_add_member(a_slug, cached.email, "member");
    await_role_everywhere(cached.id, "member");

    snprintf(sql, sizeof(sql),
             "UPDATE memberships SET role = 'owner' WHERE org_id = '%s' AND user_id = '%s'", a_id,
             cached.id);
    free(lk_test_sql(sql));
    char *role = role_at(NULL, cached.id);
    assert_string_equal(role, "member");
    free(role);

    snprintf(sql, sizeof(sql), "SELECT pg_notify('latchkey_memberships', '%s:%s')", a_id, cached.id);
    free(lk_test_sql(sql));
    await_role_everywhere(cached.id, "owner");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_reads_one_membership),
        cmocka_unit_test(test_member_reads_other_members),
        cmocka_unit_test(test_outsider_is_forbidden),
        cmocka_unit_test(test_token_scoped_to_other_org),
        cmocka_unit_test(test_clients_without_rights),
        cmocka_unit_test(test_malformed_ids_are_not_found),
        cmocka_unit_test(test_wrong_method_lists_allowed),
        cmocka_unit_test(test_listing_by_role),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_paging_errors),
        cmocka_unit_test(test_me_lists_memberships),
        cmocka_unit_test(test_me_rejects_disabled_account),
        cmocka_unit_test(test_login_scoped_to_org),
        cmocka_unit_test(test_login_errors_with_org),
        cmocka_unit_test(test_verify_with_org),
        cmocka_unit_test(test_verify_rejects_malformed_org),
        cmocka_unit_test(test_changes_reach_both_instances),
        cmocka_unit_test(test_roles_come_from_cache),
    };

    return cmocka_run_group_tests(tests, set_up, tear_down);
}
