/* Service-client authentication and scope checks; see client_auth.h. */
#include "http/client_auth.h"

#include "core/log.h"
#include "http/respond.h"

#include <stdio.h>

/* Checked for unknown clients so that they take the same work as known ones. */
static const char dummy_hash[] =
    "hmac-sha256$0000000000000000000000000000000000000000000000000000000000000000";

void lk_respond_client_unauthorized(lk_request_t *request, bool credentials_sent)
{
    lk_response_header(request, "www-authenticate", "Basic realm=\"latchkey\"");
    if (!credentials_sent) {
        lk_respond_problem(request, 401, "unauthenticated", "Client authentication required",
                           "Send the service client's id and secret with HTTP Basic "
                           "authentication.");
        return;
    }
    lk_respond_problem(request, 401, "invalid-client", "Client authentication failed",
                       "The client id or secret is wrong, or the client has been revoked.");
}

int lk_client_credentials_or_respond(lk_request_t *request, lk_basic_credentials_t *credentials)
{
    h2o_iovec_t header = lk_request_header(request, "authorization");
    lk_credentials_status_t status = lk_basic_credentials_parse(header.base, header.len,
                                                                credentials);
    if (status == LK_CREDENTIALS_PRESENT)
        return 0;

    if (status == LK_CREDENTIALS_MALFORMED)
        lk_log_info("client authentication failed: request %s: malformed Basic credentials",
                    request->request_id);
    lk_respond_client_unauthorized(request, status == LK_CREDENTIALS_MALFORMED);
    return -1;
}

/* Returns why the client is rejected, or NULL when its secret matches. */
static const char *authentication_problem(const lk_basic_credentials_t *credentials,
                                          const lk_client_fact_t *client)
{
    bool known = client->state == LK_FACT_PRESENT;
    bool matches = lk_client_secret_matches(credentials->client_id, credentials->client_id_length,
                                            credentials->secret, credentials->secret_length,
                                            known ? client->secret_hash : dummy_hash);
    if (!known)
        return "unknown client";
    if (!matches)
        return "wrong secret";
    if (client->revoked)
        return "client revoked";
    return NULL;
}

int lk_client_authorize_or_respond(lk_request_t *request,
                                   const lk_basic_credentials_t *credentials,
                                   const lk_client_fact_t *client, lk_scope_set_t required)
{
    const char *problem = authentication_problem(credentials, client);
    if (problem != NULL) {
        /* An unknown id is not logged: a caller may have sent its secret in that field. */
        if (client->state == LK_FACT_PRESENT)
            lk_log_info("client authentication failed: request %s: client %s: %s",
                        request->request_id, credentials->client_id, problem);
        else
            lk_log_info("client authentication failed: request %s: %s", request->request_id,
                        problem);
        lk_respond_client_unauthorized(request, true);
        return -1;
    }

    /* The log field is shorter than the longest id the schema allows, but ids made by the
       command line fit. */
    snprintf(request->client_id, sizeof request->client_id, "%.64s", credentials->client_id);
    if ((client->scopes & required) != required) {
        lk_log_info("client lacks scope: request %s: client %s", request->request_id,
                    credentials->client_id);
        char scopes[LK_SCOPE_LIST_MAX_LENGTH];
        char detail[160];
        lk_scopes_format(required, scopes);
        snprintf(detail, sizeof detail, "This endpoint needs a service client with the scope %s.",
                 scopes);
        lk_respond_problem(request, 403, "insufficient-scope", "Insufficient scope", detail);
        return -1;
    }
    return 0;
}
