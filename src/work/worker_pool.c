/* Worker threads for blocking work; see worker_pool.h. */
#include "work/worker_pool.h"

#include "core/log.h"
#include "store/db.h"
#include "store/redis_client.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct lk_worker {
    lk_worker_pool_t *pool;
    size_t index;
    pthread_t thread;
    bool started;
    PGconn *database;
    redisContext *redis;
};

struct lk_worker_pool {
    const lk_config_t *config;
    pthread_mutex_t mutex;
    pthread_cond_t not_empty;
    lk_job_t *head;
    lk_job_t *tail;
    size_t queued;
    bool stopping;
    size_t worker_count;
    lk_worker_t workers[];
};

/* Takes the next job, waiting for one; returns NULL once the pool stops and the queue is empty. */
static lk_job_t *take_job(lk_worker_pool_t *pool)
{
    pthread_mutex_lock(&pool->mutex);
    while (pool->head == NULL && !pool->stopping)
        pthread_cond_wait(&pool->not_empty, &pool->mutex);

    lk_job_t *job = pool->head;
    if (job != NULL) {
        pool->head = job->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->queued--;
        job->next = NULL;
    }
    pthread_mutex_unlock(&pool->mutex);
    return job;
}

static void *run_worker(void *argument)
{
    lk_worker_t *worker = argument;
    lk_job_t *job;

    while ((job = take_job(worker->pool)) != NULL) {
        job->run(job, worker);
        h2o_multithread_send_message(job->reply_to, &job->message);
    }
    return NULL;
}

static void close_connections(lk_worker_t *worker)
{
    lk_worker_database_reset(worker);
    lk_worker_redis_reset(worker);
}

lk_worker_pool_t *lk_worker_pool_create(const lk_config_t *config, size_t count)
{
    lk_worker_pool_t *pool = calloc(1, sizeof(*pool) + count * sizeof(lk_worker_t));
    if (pool == NULL)
        return NULL;

    pool->config = config;
    pool->worker_count = count;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->not_empty, NULL);

    for (size_t i = 0; i < count; i++) {
        lk_worker_t *worker = &pool->workers[i];
        worker->pool = pool;
        worker->index = i;
        if (pthread_create(&worker->thread, NULL, run_worker, worker) != 0) {
            lk_log_error("worker start failed: thread %zu could not be created", i);
            lk_worker_pool_destroy(pool);
            return NULL;
        }
        worker->started = true;
    }
    return pool;
}

int lk_worker_pool_submit(lk_worker_pool_t *pool, lk_job_t *job)
{
    int result = -1;

    job->next = NULL;
    pthread_mutex_lock(&pool->mutex);
    if (!pool->stopping && pool->queued < LK_WORKER_QUEUE_LIMIT) {
        if (pool->tail != NULL)
            pool->tail->next = job;
        else
            pool->head = job;
        pool->tail = job;
        pool->queued++;
        pthread_cond_signal(&pool->not_empty);
        result = 0;
    }
    pthread_mutex_unlock(&pool->mutex);
    return result;
}

void lk_worker_pool_destroy(lk_worker_pool_t *pool)
{
    if (pool == NULL)
        return;

    pthread_mutex_lock(&pool->mutex);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->not_empty);
    pthread_mutex_unlock(&pool->mutex);

    for (size_t i = 0; i < pool->worker_count; i++) {
        lk_worker_t *worker = &pool->workers[i];
        if (worker->started)
            pthread_join(worker->thread, NULL);
        close_connections(worker);
    }

    pthread_cond_destroy(&pool->not_empty);
    pthread_mutex_destroy(&pool->mutex);
    free(pool);
}

void lk_worker_pool_on_replies(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;

    while (!h2o_linklist_is_empty(messages)) {
        lk_job_t *job = H2O_STRUCT_FROM_MEMBER(lk_job_t, message.link, messages->next);
        h2o_linklist_unlink(&job->message.link);
        job->done(job);
    }
}

/* Connection failures are logged at most once per this many seconds for each service. */
#define CONNECT_FAILURE_LOG_INTERVAL 10

/*
 * Logs a failed connection unless one was logged less than CONNECT_FAILURE_LOG_INTERVAL
 * seconds ago, so that an outage under load does not write a line per request. The line
 * includes how many failures were not logged since the previous one.
 */
static void log_connect_failure(atomic_llong *last_logged, atomic_long *suppressed,
                                const char *service, size_t worker_index, const char *error)
{
    long long now = (long long)time(NULL);
    long long last = atomic_load(last_logged);
    if (now - last < CONNECT_FAILURE_LOG_INTERVAL ||
        !atomic_compare_exchange_strong(last_logged, &last, now)) {
        atomic_fetch_add(suppressed, 1);
        return;
    }
    long skipped = atomic_exchange(suppressed, 0);
    lk_log_error("%s connection failed: worker %zu: %s (%ld similar failures not logged)",
                 service, worker_index, error, skipped);
}

static atomic_llong database_failure_logged_at;
static atomic_long database_failures_suppressed;
static atomic_llong redis_failure_logged_at;
static atomic_long redis_failures_suppressed;

PGconn *lk_worker_database(lk_worker_t *worker)
{
    if (worker->database != NULL && PQstatus(worker->database) == CONNECTION_OK)
        return worker->database;

    lk_worker_database_reset(worker);

    char error[256];
    worker->database = lk_db_connect(worker->pool->config->database_url, error, sizeof(error));
    if (worker->database == NULL)
        log_connect_failure(&database_failure_logged_at, &database_failures_suppressed,
                            "database", worker->index, error);
    return worker->database;
}

void lk_worker_database_reset(lk_worker_t *worker)
{
    if (worker->database != NULL) {
        PQfinish(worker->database);
        worker->database = NULL;
    }
}

redisContext *lk_worker_redis(lk_worker_t *worker)
{
    if (worker->redis != NULL && worker->redis->err == 0)
        return worker->redis;

    lk_worker_redis_reset(worker);

    char error[256];
    worker->redis = lk_redis_connect(worker->pool->config->redis_url, error, sizeof(error));
    if (worker->redis == NULL)
        log_connect_failure(&redis_failure_logged_at, &redis_failures_suppressed, "redis",
                            worker->index, error);
    return worker->redis;
}

void lk_worker_redis_reset(lk_worker_t *worker)
{
    if (worker->redis != NULL) {
        redisFree(worker->redis);
        worker->redis = NULL;
    }
}

const lk_config_t *lk_worker_config(const lk_worker_t *worker)
{
    return worker->pool->config;
}
