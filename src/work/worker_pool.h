/*
 * Worker threads for everything that may block: PostgreSQL and Redis round trips and
 * Argon2id hashing. An event-loop thread submits a job, and a worker runs it with its own
 * database and Redis connections. The job then travels back to the submitting loop
 * through h2o's multithread queue, where its `done` callback finishes the request.
 */
#ifndef LK_WORK_WORKER_POOL_H
#define LK_WORK_WORKER_POOL_H

#include "config/config.h"

#include <h2o/multithread.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <stddef.h>

typedef struct lk_worker lk_worker_t;
typedef struct lk_worker_pool lk_worker_pool_t;
typedef struct lk_job lk_job_t;

/* Runs on a worker thread. Must not touch h2o objects. */
typedef void (*lk_job_run_fn)(lk_job_t *job, lk_worker_t *worker);

/* Runs on the submitting event-loop thread after `run`; owns and frees the job. */
typedef void (*lk_job_done_fn)(lk_job_t *job);

/*
 * A unit of blocking work. Callers embed it as the first member of their own job struct,
 * fill `run`, `done` and `reply_to`, and submit it.
 */
struct lk_job {
    h2o_multithread_message_t message; /* carries the job back to the loop; must stay first */
    lk_job_run_fn run;
    lk_job_done_fn done;
    h2o_multithread_receiver_t *reply_to; /* the submitting loop's receiver */
    lk_job_t *next;                        /* queue link, owned by the pool */
};

/* Maximum queued jobs; beyond it submissions fail so that a burst cannot grow memory. */
#define LK_WORKER_QUEUE_LIMIT 4096

/*
 * Starts `count` workers. Connections are opened lazily on first use and reopened after a
 * failure. `config` must outlive the pool. Returns the pool, or NULL.
 */
__attribute__((warn_unused_result)) lk_worker_pool_t *lk_worker_pool_create(
    const lk_config_t *config, size_t count);

/*
 * Queues a job. Returns 0, or -1 when the queue is full or the pool is stopping; the job
 * then still belongs to the caller, who responds with 503.
 */
__attribute__((warn_unused_result)) int lk_worker_pool_submit(lk_worker_pool_t *pool,
                                                              lk_job_t *job);

/* Finishes queued jobs, stops and joins the workers, closes their connections, frees the pool. */
void lk_worker_pool_destroy(lk_worker_pool_t *pool);

/*
 * The receiver callback that each event loop registers on its context's queue
 * (h2o_multithread_register_receiver(ctx->queue, receiver, lk_worker_pool_on_replies)).
 * Calls `done` for every job that came back.
 */
void lk_worker_pool_on_replies(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/*
 * Returns the worker's PostgreSQL connection, connecting or reconnecting first when needed,
 * or NULL when the database is unreachable (the reason is logged).
 */
PGconn *lk_worker_database(lk_worker_t *worker);

/* Closes the worker's PostgreSQL connection after a connection-level error. */
void lk_worker_database_reset(lk_worker_t *worker);

/* Same as lk_worker_database for Redis. */
redisContext *lk_worker_redis(lk_worker_t *worker);

/* Closes the worker's Redis connection after an I/O or protocol error. */
void lk_worker_redis_reset(lk_worker_t *worker);

/* Returns the configuration the pool was created with. */
const lk_config_t *lk_worker_config(const lk_worker_t *worker);

#endif
