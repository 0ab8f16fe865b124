/* The scheduled signing-key changes of a server; see key_rotator.h. */
#include "keys/key_rotator.h"

#include "core/log.h"
#include "keys/key_listener.h"
#include "keys/rotation_plan.h"
#include "keys/sealed_key.h"
#include "store/signing_key_changes.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The shortest wait between passes. A change that falls due a fraction of a second after
 * its planned time therefore cannot make the thread spin. */
#define MINIMUM_WAIT_MS 250
/* The wait after another process held the key-change lock. */
#define LOCK_BUSY_WAIT_MS 1000
/* The wait between connection attempts while PostgreSQL is unreachable. */
#define RECONNECT_DELAY_MS 1000

struct lk_key_rotator {
    const lk_config_t *config;
    const lk_master_key_t *master_key;
    pthread_t thread;
    atomic_bool stopping;
    int wake_pipe[2]; /* written to by lk_key_rotator_stop */
    lk_key_listener_t listener;
    char actor[128]; /* "rotator:<host name>" in audit events */
};

/* Logs what a pass of due work did. */
static void log_due_work(const lk_key_due_work_t *work)
{
    const lk_key_change_t *activation = &work->activation;
    if (activation->activated[0] != '\0')
        lk_log_info("key rotation: activated key %s (published %lld s before); retired key %s",
                    activation->activated, (long long)activation->activated_published_for,
                    activation->retired[0] != '\0' ? activation->retired : "none");
    if (work->removed > 0)
        lk_log_info("key rotation: removed %zu retired key(s) whose tokens have expired",
                    work->removed);
}

/* Activates and removes what is due. Returns the milliseconds to wait before the next
 * pass when the lock was busy, else 0. Returns -1 after a database failure (logged). */
static int run_due(lk_key_rotator_t *rotator)
{
    lk_key_due_work_t work;
    lk_store_result_t status =
        lk_store_signing_keys_run_due(rotator->listener.connection,
                                      lk_key_retire_window(rotator->config), rotator->actor, &work);
    if (status != LK_STORE_OK) {
        lk_log_warn("key rotation failed: carrying out due changes: %s",
                    lk_store_result_name(status));
        return -1;
    }
    if (work.lock_busy)
        return LOCK_BUSY_WAIT_MS;
    log_due_work(&work);
    return 0;
}

/* Generates and stores the key that `plan` requests. Returns 0, or -1 (logged). */
static int create_key(lk_key_rotator_t *rotator, const lk_rotation_plan_t *plan)
{
    char error[256];
    lk_sealed_key_t key;
    if (lk_sealed_key_generate(plan->alg, rotator->master_key, &key, error, sizeof error) != 0) {
        lk_log_error("key rotation failed: %s", error);
        return -1;
    }

    bool at_once = plan->create == LK_CREATE_ACTIVE;
    lk_key_schedule_t schedule = {
        .delay = at_once ? 0 : rotator->config->key_prepublish_delay,
        .not_before = at_once ? 0 : plan->not_before,
        .expected_active = plan->expected_active,
        .retire_window = lk_key_retire_window(rotator->config),
    };
    lk_key_change_t change;
    lk_store_result_t status = lk_store_signing_key_insert_scheduled(
        rotator->listener.connection, &key, &schedule, rotator->actor, &change);

    if (status == LK_STORE_CONFLICT)
        lk_log_debug("key rotation: another process changed the keys first; planning again");
    else if (status != LK_STORE_OK)
        lk_log_warn("key rotation failed: storing key %s: %s", key.kid,
                    lk_store_result_name(status));
    else if (at_once)
        lk_log_info("key rotation: no key was active; created and activated key %s (%s)",
                    key.kid, lk_jwt_alg_name(key.alg));
    else
        lk_log_info("key rotation: created key %s (%s), published now and activated after "
                    "the pre-publication delay of %lld s",
                    key.kid, lk_jwt_alg_name(key.alg),
                    (long long)rotator->config->key_prepublish_delay);
    lk_sealed_key_dispose(&key);
    return status == LK_STORE_OK || status == LK_STORE_CONFLICT ? 0 : -1;
}

/* Converts the plan's next due time into a wait, within MINIMUM_WAIT_MS and the interval. */
static int wait_until_due(const lk_key_rotator_t *rotator, const lk_rotation_plan_t *plan,
                          double now)
{
    int64_t interval_ms = rotator->config->key_reload_interval * 1000;
    int64_t wait_ms = interval_ms;
    if (plan->next_due != 0 && (plan->next_due - now) * 1000 < (double)interval_ms)
        wait_ms = (int64_t)((plan->next_due - now) * 1000);
    return wait_ms < MINIMUM_WAIT_MS ? MINIMUM_WAIT_MS : (int)wait_ms;
}

/*
 * Plans against the current rows and carries out what is due. Returns the milliseconds
 * to wait before the next pass.
 */
static int run_pass(lk_key_rotator_t *rotator)
{
    const lk_config_t *config = rotator->config;
    int retry_ms = (int)(config->key_reload_interval * 1000);
    lk_signing_key_record_t *records = NULL;
    size_t count = 0;
    double now = 0;

    lk_store_result_t status =
        lk_store_signing_keys_list_with_time(rotator->listener.connection, &records, &count, &now);
    if (status != LK_STORE_OK) {
        lk_log_warn("key rotation failed: reading the keys: %s", lk_store_result_name(status));
        return retry_ms;
    }
    lk_rotation_plan_t plan;
    lk_rotation_plan_make(records, count, now, config->key_rotation_period,
                          config->key_prepublish_delay, &plan);
    lk_signing_key_records_free(records, count);

    int outcome = plan.run_due ? run_due(rotator) : 0;
    if (outcome != 0)
        return outcome > 0 ? outcome : retry_ms;
    if (plan.create != LK_CREATE_NONE && create_key(rotator, &plan) != 0)
        return retry_ms;

    /* A change made in this pass notifies this thread too, which then plans again. */
    return wait_until_due(rotator, &plan, now);
}

static void *run_rotator(void *argument)
{
    lk_key_rotator_t *rotator = argument;

    while (!atomic_load(&rotator->stopping)) {
        int wait_ms = RECONNECT_DELAY_MS;
        if (lk_key_listener_ensure(&rotator->listener) >= 0)
            wait_ms = run_pass(rotator);

        if (lk_key_listener_wait(&rotator->listener, wait_ms) == LK_KEY_LISTEN_WOKEN)
            break;
    }
    return NULL;
}

lk_key_rotator_t *lk_key_rotator_start(const lk_config_t *config,
                                       const lk_master_key_t *master_key)
{
    lk_key_rotator_t *rotator = calloc(1, sizeof(*rotator));
    if (rotator == NULL)
        return NULL;
    rotator->config = config;
    rotator->master_key = master_key;

    char host[64] = "unknown";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    snprintf(rotator->actor, sizeof rotator->actor, "rotator:%s", host);

    if (pipe(rotator->wake_pipe) != 0) {
        free(rotator);
        return NULL;
    }
    lk_key_listener_init(&rotator->listener, config->database_url, "key rotator",
                         rotator->wake_pipe[0]);
    if (pthread_create(&rotator->thread, NULL, run_rotator, rotator) != 0) {
        close(rotator->wake_pipe[0]);
        close(rotator->wake_pipe[1]);
        free(rotator);
        return NULL;
    }
    return rotator;
}

void lk_key_rotator_stop(lk_key_rotator_t *rotator)
{
    if (rotator == NULL)
        return;

    atomic_store(&rotator->stopping, true);
    ssize_t written;
    do {
        written = write(rotator->wake_pipe[1], "x", 1);
    } while (written < 0 && errno == EINTR);
    pthread_join(rotator->thread, NULL);

    lk_key_listener_dispose(&rotator->listener);
    close(rotator->wake_pipe[0]);
    close(rotator->wake_pipe[1]);
    free(rotator);
}
