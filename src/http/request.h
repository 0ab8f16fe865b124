/*
 * The per-request context every handler receives. It lives in the h2o request's memory
 * pool. When the client goes away while a worker job is still running, the context marks
 * the job as orphaned, and the job's completion then frees itself without touching the
 * request.
 * Everything here runs on the request's event-loop thread.
 */
#ifndef LK_HTTP_REQUEST_H
#define LK_HTTP_REQUEST_H

#include "http/app.h"
#include "http/route_pattern.h"
#include "http/client_address.h"
#include "limits/limit_decision.h"
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
    lk_client_address_t client_address; /* resolved through trusted proxies; see client_address.h */
    lk_limit_query_t limit_query;       /* the route's limit class, set before the handler
                                           runs; LK_LIMIT_NONE once checked on the loop */
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
    lk_job_run_fn run;            /* the handler's work, run after the rate-limit check */
    lk_limits_t *limits;
    lk_limit_query_t limit_query; /* copied from the request when the job is submitted */
    lk_limit_decision_t limit;    /* the check's result, filled on the worker */
};

/*
 * Sets the subject (a normalized email or a user id) that the route's limits count besides
 * the client address. Call it before lk_request_submit; the text is copied, truncated to
 * LK_LIMIT_SUBJECT_MAX bytes.
 */
void lk_request_set_limit_subject(lk_request_t *request, const char *subject);

/*
 * Submits a request's job to the worker pool. On the worker, the route's rate limits are
 * checked in Redis first (see limits/limiter.h), and `run` executes only when they admit the
 * request. `done` runs on the loop afterwards and owns the job (lk_request_job_finish returns
 * whether to respond). Returns 0, or -1 when the pool is saturated. The caller then responds
 * with 503 and frees the job.
 */
__attribute__((warn_unused_result)) int lk_request_submit(lk_request_t *request,
                                                          lk_request_job_t *job,
                                                          lk_job_run_fn run, lk_job_done_fn done);

/*
 * Called first in every `done` callback: detaches the job from its request and returns the
 * request. It returns NULL when the client has gone, when the rate-limit check rejected the
 * request (429 is then sent here), or when that check could not run (503 is then sent). On
 * NULL the caller only frees the job. An admitted request gets the RateLimit headers here.
 */
lk_request_t *lk_request_job_finish(lk_request_job_t *job);

/* Returns the value of a request header as an iovec, or {NULL, 0} when absent. */
h2o_iovec_t lk_request_header(const lk_request_t *request, const char *lower_case_name);

#endif
