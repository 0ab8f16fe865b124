/* The per-request context and request-bound worker jobs; see request.h. */
#include "http/request.h"

#include <string.h>

int lk_request_submit(lk_request_t *request, lk_request_job_t *job, lk_job_run_fn run,
                      lk_job_done_fn done)
{
    job->job.run = run;
    job->job.done = done;
    job->job.reply_to = request->reply_to;
    job->request = request;

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
