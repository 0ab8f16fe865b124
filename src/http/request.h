/*
 * The per-request context every handler receives. It lives in the h2o request's memory
 * pool; when the client goes away while a worker job is still running, the context tells
 * the job so, and the job's completion then frees itself without touching the request.
 * Everything here runs on the request's event-loop thread.
 */
#ifndef LK_HTTP_REQUEST_H
#define LK_HTTP_REQUEST_H

#include "http/app.h"
#include "http/route_pattern.h"
#include "work/worker_pool.h"

#include <h2o.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <time.h>

#define LK_REQUEST_ID_MAX_LENGTH 64

typedef struct lk_request_job lk_request_job_t;

typedef struct lk_request {
    h2o_req_t *req;
    lk_app_t *app;
    h2o_multithread_receiver_t *reply_to; /* this loop's receiver for worker replies */
    const char *route;                    /* the matched route pattern, for the log */
    lk_path_params_t path_params;         /* the ids the route pattern captured */
    char request_id[LK_REQUEST_ID_MAX_LENGTH + 1];
    char client_ip[INET6_ADDRSTRLEN];
    char user_id[37];    /* set by handlers once known, for the log */
    char client_id[65];  /* set by handlers once known, for the log */
    struct timespec started;
    bool responded;
    lk_request_job_t *pending_job; /* the worker job in flight, if any */
} lk_request_t;

/*
 * The base of every job that finishes a request: handlers embed it first in their own
 * job struct. `request` is NULL when the client went away before the job finished.
 */
struct lk_request_job {
    lk_job_t job;
    lk_request_t *request;
};

/*
 * Submits a request's job to the worker pool. `run` executes on a worker; `done` runs on
 * the loop afterwards and owns the job (lk_request_job_finish tells it whether to answer).
 * Returns 0, or -1 when the pool is saturated: the caller then answers 503 and frees the job.
 */
__attribute__((warn_unused_result)) int lk_request_submit(lk_request_t *request,
                                                          lk_request_job_t *job,
                                                          lk_job_run_fn run, lk_job_done_fn done);

/*
 * Called first in every `done` callback: detaches the job from its request and returns the
 * request, or NULL when the client has gone (the caller then only frees the job).
 */
lk_request_t *lk_request_job_finish(lk_request_job_t *job);

/* Returns the value of a request header as an iovec, or {NULL, 0} when absent. */
h2o_iovec_t lk_request_header(const lk_request_t *request, const char *lower_case_name);

#endif
