/*
 * POST /v1/login: email and password in, token response out. The handler validates the
 * body on the event loop; the password check, session creation and signing run on a
 * worker (see login_job.c), and the answer is sent back on the loop.
 */
#include "http/handlers/handlers.h"

#include "http/handlers/login_job.h"
#include "http/request_body.h"
#include "http/respond.h"
#include "passwords/password_policy.h"
#include "store/users.h"
#include "validate/uuid_text.h"

#include <stdio.h>
#include <string.h>

static const lk_field_rule_t login_fields[] = {
    {.name = "email", .type = LK_FIELD_STRING, .required = true, .min_length = 3,
     .max_length = LK_EMAIL_MAX_LENGTH, .format = LK_FORMAT_EMAIL},
    {.name = "password", .type = LK_FIELD_STRING, .required = true, .min_length = 1,
     .max_length = LK_PASSWORD_MAX_CHARACTERS},
    {.name = "org_id", .type = LK_FIELD_STRING, .format = LK_FORMAT_UUID},
};

/* Sends the token response of a successful login, marked uncacheable. */
static void respond_tokens(lk_request_t *request, const lk_login_job_t *job)
{
    json_t *body = json_object();
    if (body == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    json_object_set_new(body, "access_token", json_string(job->access_token));
    json_object_set_new(body, "token_type", json_string("Bearer"));
    json_object_set_new(body, "expires_in", json_integer(job->expires_in));
    json_object_set_new(body, "refresh_token", json_string(job->refresh_token));
    json_object_set_new(body, "refresh_token_expires_in",
                        json_integer(job->refresh_expires_in));

    lk_response_header(request, "pragma", "no-cache");
    lk_respond_json(request, 200, body);
}

static void respond_invalid_credentials(lk_request_t *request)
{
    lk_respond_problem(request, 401, "invalid-credentials", "Invalid credentials",
                       "The email or password is incorrect.");
}

static void finish_login(lk_job_t *job)
{
    lk_login_job_t *login = (lk_login_job_t *)job;
    lk_request_t *request = lk_request_job_finish(&login->base);

    if (request != NULL) {
        snprintf(request->user_id, sizeof(request->user_id), "%s", login->user_id);
        snprintf(request->client_id, sizeof(request->client_id), "%s", LK_LOGIN_CLIENT_ID);

        switch (login->outcome) {
        case LK_LOGIN_SUCCEEDED:
            respond_tokens(request, login);
            break;
        case LK_LOGIN_INVALID_CREDENTIALS:
            respond_invalid_credentials(request);
            break;
        case LK_LOGIN_NOT_MEMBER:
            lk_respond_problem(request, 403, "not-a-member", "Not a member",
                               "The user is not a member of the requested organisation.");
            break;
        case LK_LOGIN_NO_ACTIVE_KEY:
            lk_respond_unavailable(request, "no active signing key");
            break;
        case LK_LOGIN_UNAVAILABLE:
            lk_respond_unavailable(request, "database unavailable");
            break;
        case LK_LOGIN_FAILED:
            lk_respond_internal_error(request, "login failed on the worker; see the log "
                                               "line before this one");
            break;
        }
    }
    lk_login_job_destroy(login);
}

void lk_handle_login(lk_request_t *request)
{
    json_t *input = lk_parse_body_or_respond(request, login_fields,
                                             sizeof(login_fields) / sizeof(login_fields[0]),
                                             false);
    if (input == NULL)
        return;

    /* The login limits count attempts per account (the normalized email) as well. */
    char account[LK_EMAIL_MAX_LENGTH + 1];
    lk_email_normalize(lk_request_string(input, "email"), account, sizeof(account));
    lk_request_set_limit_subject(request, account);

    lk_keyring_t *ring = lk_key_source_acquire(request->app->keys);
    lk_login_job_t *job = lk_login_job_create(lk_request_string(input, "email"),
                                              lk_request_string(input, "password"), ring);
    const char *org_id = lk_request_string(input, "org_id");
    if (job != NULL && org_id != NULL)
        lk_uuid_copy_lower(org_id, job->org_id);
    json_object_clear(input); /* drops jansson's copy of the password at once */
    json_decref(input);
    if (job == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }

    if (lk_request_submit(request, &job->base, lk_login_job_run, finish_login) != 0) {
        lk_login_job_destroy(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
