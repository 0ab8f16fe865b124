/*
 * The scopes a service client can be granted, as a bit set. The names are the values of
 * `--scope` on the command line and of service_clients.scopes in PostgreSQL.
 * Pure functions, safe on any thread.
 */
#ifndef LK_ACCESS_CLIENT_SCOPES_H
#define LK_ACCESS_CLIENT_SCOPES_H

#include <stddef.h>

typedef unsigned lk_scope_set_t;

#define LK_SCOPE_TOKENS_VERIFY 1u /* "tokens:verify": POST /v1/token/verify and /oauth/introspect */
#define LK_SCOPE_MEMBERS_READ 2u  /* "members:read": GET /v1/orgs/{org_id}/members... */

/* Room for every scope name joined by commas, and the NUL. */
#define LK_SCOPE_LIST_MAX_LENGTH 64

/*
 * Parses a comma-separated list such as "tokens:verify,members:read" into `scopes`.
 * Repeated names are accepted once. Returns 0, or -1 when the list is empty, has an
 * empty element or names an unknown scope. `unknown` (of `unknown_size` bytes) then
 * receives the offending element, truncated, for the error message.
 */
__attribute__((warn_unused_result)) int lk_scopes_parse(const char *list, lk_scope_set_t *scopes,
                                                        char *unknown, size_t unknown_size);

/* Writes the scopes as a comma-separated list in a fixed order ("" for none). */
void lk_scopes_format(lk_scope_set_t scopes, char output[LK_SCOPE_LIST_MAX_LENGTH]);

/* Returns the bit of the scope named by `length` bytes of `name`, or 0 when unknown. */
lk_scope_set_t lk_scope_find(const char *name, size_t length);

/* Returns the name of a single scope bit, or NULL for anything else. */
const char *lk_scope_name(lk_scope_set_t scope);

/* Returns a comma-separated list of every known scope name, for help and error texts. */
const char *lk_scopes_known(void);

#endif
