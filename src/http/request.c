/* The per-request context and request-bound worker jobs; see request.h. */
#include "http/request.h"

#include "http/limit_response.h"

#include <stdio.h>
#include <string.h>

void lk_request_set_limit_subject(lk_request_t *request, const char *subject)
{
    snprintf(request->limit_query.subject, sizeof(request->limit_query.subject), "%s", subject);
}

/* Runs on the worker: the rate-limit check first, then the handler's work if admitted. */
static void run_after_limit_check(lk_job_t *job, lk_worker_t *worker)
{
    lk_request_job_t *request_job = (lk_request_job_t *)job;

    lk_limits_check(request_job->limits, worker, &request_job->limit_query, &request_job->limit);
    if (request_job->limit.outcome == LK_LIMIT_ADMITTED)
        request_job->run(job, worker);
}

int lk_request_submit(lk_request_t *request, lk_request_job_t *job, lk_job_run_fn run,
                      lk_job_done_fn done)
{
    job->job.run = run_after_limit_check;
    job->job.done = done;
    job->job.reply_to = request->reply_to;
    job->request = request;
    job->run = run;
    job->limits = request->app->limits;
    job->limit_query = request->limit_query;
    memset(&job->limit, 0, sizeof(job->limit));

    if (lk_worker_pool_submit(request->app->workers, &job->job) != 0) {
        job->request = NULL;
        return -1;
    }
    request->pending_job = job;
    return 0;
}

lk_request_t *lk_request_job_finish(lk_request_job_t *job)
{
    lk_request_t *request = job->request;
    if (request != NULL)
        request->pending_job = NULL;
    job->request = NULL;

    if (request == NULL || !lk_limit_admit_or_respond(request, &job->limit))
        return NULL;
    return request;
}

h2o_iovec_t lk_request_header(const lk_request_t *request, const char *lower_case_name)
{
    const h2o_headers_t *headers = &request->req->headers;
    ssize_t index = h2o_find_header_by_str(headers, lower_case_name, strlen(lower_case_name), -1);
    if (index == -1)
        return h2o_iovec_init(NULL, 0);
    return headers->entries[index].value;
}
