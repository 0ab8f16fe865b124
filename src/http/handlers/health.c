/* GET /healthz (liveness) and GET /readyz (readiness: PostgreSQL and Redis reachable). */
#include "http/handlers/handlers.h"

#include "http/respond.h"
#include "store/redis_client.h"

#include <stdlib.h>

typedef struct readiness_job {
    lk_request_job_t base;
    bool database_ok;
    bool redis_ok;
} readiness_job_t;

void lk_handle_healthz(lk_request_t *request)
{
    json_t *body = json_pack("{s:s}", "status", "ok");
    lk_respond_json(request, 200, body);
}

static bool check_database(lk_worker_t *worker)
{
    PGconn *connection = lk_worker_database(worker);
    if (connection == NULL)
        return false;

    PGresult *result = PQexec(connection, "SELECT 1");
    bool ok = PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
    if (!ok)
        lk_worker_database_reset(worker);
    return ok;
}

static bool check_redis(lk_worker_t *worker)
{
    redisContext *context = lk_worker_redis(worker);
    if (context == NULL)
        return false;

    bool ok = lk_redis_ping(context) == 0;
    if (!ok)
        lk_worker_redis_reset(worker);
    return ok;
}

static void run_readiness_check(lk_job_t *job, lk_worker_t *worker)
{
    readiness_job_t *readiness = (readiness_job_t *)job;
    readiness->database_ok = check_database(worker);
    readiness->redis_ok = check_redis(worker);
}

static void finish_readiness_check(lk_job_t *job)
{
    readiness_job_t *readiness = (readiness_job_t *)job;
    lk_request_t *request = lk_request_job_finish(&readiness->base);

    if (request != NULL) {
        bool ready = readiness->database_ok && readiness->redis_ok;
        json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "status", ready ? "ready" : "not ready",
                                 "checks", "postgresql",
                                 readiness->database_ok ? "ok" : "unavailable", "redis",
                                 readiness->redis_ok ? "ok" : "unavailable");
        lk_respond_json(request, ready ? 200 : 503, body);
    }
    free(readiness);
}

void lk_handle_readyz(lk_request_t *request)
{
    readiness_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        lk_respond_internal_error(request, "out of memory");
        return;
    }
    if (lk_request_submit(request, &job->base, run_readiness_check, finish_readiness_check) != 0) {
        free(job);
        lk_respond_unavailable(request, "worker queue full");
    }
}
