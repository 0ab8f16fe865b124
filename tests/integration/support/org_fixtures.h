/*
 * Test data for the organisation and service-client tests, made with the `latchkey`
 * command line: users, organisations, memberships and clients with names unique to the
 * running test program, so that programs and reruns never collide. Every password and
 * client secret made here is appended to LK_TEST_RUN_DIR/issued-tokens.txt, because
 * tests/run.sh checks afterwards that none of them reached the server log.
 *
 * Every function fails the current test when the command fails.
 */
#ifndef LK_TEST_ORG_FIXTURES_H
#define LK_TEST_ORG_FIXTURES_H

#include <stddef.h>

#include <jansson.h>

#include "support/http_client.h"

struct lk_test_user {
    char email[128];
    char password[64];
    char id[37];
};

struct lk_test_client {
    char id[129];
    char secret[129];
};

/* Returns a suffix unique to this process, such as "p1234t1700000000", for names. */
const char *lk_test_unique_suffix(void);

/* Creates a user whose email starts with NAME. */
void lk_test_make_user(const char *name, struct lk_test_user *user);

/* Creates an organisation whose slug starts with NAME and stores its slug and id. */
void lk_test_make_org(const char *name, char slug[64], char id[37]);

/* Runs `orgs add-member SLUG EMAIL --role ROLE`. */
void lk_test_add_member(const char *slug, const char *email, const char *role);

/* Runs `orgs remove-member SLUG EMAIL`. */
void lk_test_remove_member(const char *slug, const char *email);

/* Creates a service client with SCOPES (comma-separated). */
void lk_test_make_client(const char *name, const char *scopes, struct lk_test_client *client);

/* Runs `clients revoke ID`. */
void lk_test_revoke_client(const char *id);

/* Writes "Authorization: Basic ..." for ID and SECRET, form-encoding both first as
 * RFC 6749 section 2.3.1 prescribes. */
void lk_test_basic_header(const char *id, const char *secret, char *header, size_t size);

/* Writes "Authorization: Basic ..." for the suite's client (LK_TEST_CLIENT_ID and
 * LK_TEST_CLIENT_SECRET, scopes tokens:verify and members:read). */
void lk_test_suite_client_header(char *header, size_t size);

/* Writes "Authorization: Bearer TOKEN". */
void lk_test_bearer_header(const char *token, char *header, size_t size);

/* Logs USER in, with {"org_id": ORG_ID} unless ORG_ID is NULL, and returns the access
 * token (malloc'ed, recorded for the log check), failing the test unless the response is 200. */
char *lk_test_login_token(const struct lk_test_user *user, const char *org_id);

/* Sends a request with the given method, path and one extra header line (or NULL) to
 * BASE_URL (LK_TEST_BASE_URL when NULL). */
void lk_test_request_with(const char *base_url, const char *method, const char *path,
                          const char *header, struct lk_test_response *response);

/* Posts the JSON BODY to PATH with one extra header line (or NULL). */
void lk_test_post_json_with(const char *path, const char *body, const char *header,
                            struct lk_test_response *response);

/* Runs SQL through psql against LK_TEST_DATABASE_URL and returns its trimmed output
 * (malloc'ed). Fails the test when psql fails. */
char *lk_test_sql(const char *sql);

#endif
