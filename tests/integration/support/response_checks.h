/*
 * Assertions shared by the integration tests about what every latchkey response must
 * carry: the security headers and, for errors, an RFC 9457 problem document.
 */
#ifndef LK_TEST_RESPONSE_CHECKS_H
#define LK_TEST_RESPONSE_CHECKS_H

#include <stdbool.h>

#include <jansson.h>

#include "support/http_client.h"

/* Fails the test unless RESPONSE carries HSTS, nosniff, frame denial, the CSP, the
 * referrer policy and an X-Request-Id. */
void lk_test_assert_security_headers(const struct lk_test_response *response);

/* Fails the test unless RESPONSE is an application/problem+json document with status
 * STATUS, string type and title, a request_id equal to the X-Request-Id header, and no
 * members beyond those RFC 9457 and latchkey define. Returns the parsed document, which
 * the caller owns. */
json_t *lk_test_assert_problem(const struct lk_test_response *response, long status);

/* Returns true if the "errors" array of PROBLEM has an entry whose "field" is FIELD and
 * whose "message" is a non-empty string. */
bool lk_test_problem_names_field(const json_t *problem, const char *field);

/* Fails the test unless header NAME of RESPONSE equals EXPECTED exactly. */
void lk_test_assert_header_equal(const struct lk_test_response *response, const char *name,
                                 const char *expected);

/* Returns true if the comma-separated header value VALUE lists TOKEN (case-insensitive). */
bool lk_test_header_lists(const char *value, const char *token);

#endif
