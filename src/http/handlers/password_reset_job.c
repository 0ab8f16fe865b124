/* Creating reset tokens and messages in the background; see password_reset_job.h. */
#include "http/handlers/password_reset_job.h"

#include "core/log.h"
#include "crypto/opaque_token.h"
#include "store/password_resets.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reset_job {
    lk_job_t job;
    lk_app_t *app;
    char email[LK_EMAIL_MAX_LENGTH + 1];
    char request_id[LK_REQUEST_ID_MAX_LENGTH + 1];
} reset_job_t;

/* The base URL, "#token=" and the token. */
#define RESET_LINK_EXTRA (sizeof("#token=") - 1 + LK_OPAQUE_TOKEN_LENGTH + 1)

/* Creates the token and the message; logs the outcome with ids only. */
static void create_reset(reset_job_t *job, PGconn *connection, const lk_config_t *config,
                         lk_worker_t *worker)
{
    char token[LK_OPAQUE_TOKEN_LENGTH + 1];
    char token_hash[LK_TOKEN_HASH_HEX_LENGTH + 1];
    size_t link_size = strlen(config->reset_url_base) + RESET_LINK_EXTRA;
    char *link = sodium_malloc(link_size);

    if (link == NULL || lk_opaque_token_generate(token) != 0) {
        lk_log_error("password reset failed: request %s: out of memory", job->request_id);
        sodium_free(link);
        return;
    }
    lk_opaque_token_hash_hex(token, LK_OPAQUE_TOKEN_LENGTH, token_hash);
    snprintf(link, link_size, "%s#token=%s", config->reset_url_base, token);

    lk_password_reset_request_t request = {
        .email = job->email,
        .token_hash_hex = token_hash,
        .reset_url = link,
        .ttl_seconds = config->reset_token_ttl,
        .request_id = job->request_id,
    };
    char user_id[37];
    lk_store_result_t result = lk_store_password_reset_create(connection, &request, user_id);
    sodium_memzero(token, sizeof(token));
    sodium_free(link);

    if (result == LK_STORE_OK)
        lk_log_info("password reset requested: user %s, reset message queued (request %s)",
                    user_id, job->request_id);
    else if (result == LK_STORE_NOT_FOUND)
        lk_log_info("password reset requested: no enabled account for the given email "
                    "(request %s)",
                    job->request_id);
    else
        lk_log_error("password reset failed: request %s: %s; no reset message was queued",
                     job->request_id, lk_store_result_name(result));
    if (result == LK_STORE_UNAVAILABLE)
        lk_worker_database_reset(worker);
}

static void run_reset(lk_job_t *base, lk_worker_t *worker)
{
    reset_job_t *job = (reset_job_t *)base;
    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL) {
        lk_log_error("password reset failed: request %s: database unavailable; no reset "
                     "message was queued",
                     job->request_id);
        return;
    }
    create_reset(job, connection, lk_worker_config(worker), worker);
}

static void finish_reset(lk_job_t *base)
{
    reset_job_t *job = (reset_job_t *)base;
    atomic_fetch_sub(&job->app->requests_in_flight, 1);
    sodium_memzero(job->email, sizeof(job->email));
    free(job);
}

int lk_password_reset_job_start(lk_app_t *app, h2o_multithread_receiver_t *reply_to,
                                const char *email, const char *request_id)
{
    reset_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        lk_log_error("password reset dropped: request %s: out of memory", request_id);
        return -1;
    }
    job->app = app;
    job->job.run = run_reset;
    job->job.done = finish_reset;
    job->job.reply_to = reply_to;
    snprintf(job->email, sizeof(job->email), "%s", email);
    snprintf(job->request_id, sizeof(job->request_id), "%s", request_id);

    atomic_fetch_add(&app->requests_in_flight, 1);
    if (lk_worker_pool_submit(app->workers, &job->job) != 0) {
        atomic_fetch_sub(&app->requests_in_flight, 1);
        lk_log_error("password reset dropped: request %s: worker queue full", request_id);
        free(job);
        return -1;
    }
    return 0;
}
