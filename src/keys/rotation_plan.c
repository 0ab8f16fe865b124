/* The rotation timing rules; see rotation_plan.h. */
#include "keys/rotation_plan.h"

#include <stdio.h>
#include <string.h>

int64_t lk_key_retire_window(const lk_config_t *config)
{
    return config->access_token_ttl + config->key_reload_interval + config->key_retire_leeway;
}

/* Lowers plan->next_due to `time` when `time` is an earlier future change. */
static void consider(lk_rotation_plan_t *plan, double time)
{
    if (plan->next_due == 0 || time < plan->next_due)
        plan->next_due = time;
}

/* Notes a change due at `time` (0 for none): due now, or the next one later. */
static void note_due(lk_rotation_plan_t *plan, int64_t time, double now)
{
    if (time == 0)
        return;
    if ((double)time <= now)
        plan->run_due = true;
    else
        consider(plan, (double)time);
}

/* Plans the active key's successor, or a first key when none is active. */
static void plan_creation(const lk_signing_key_record_t *active, double now,
                          int64_t rotation_period, int64_t prepublish_delay,
                          lk_rotation_plan_t *plan)
{
    if (active == NULL) {
        plan->create = LK_CREATE_ACTIVE;
        return;
    }

    int64_t successor_active = active->activated_at + rotation_period;
    int64_t create_at = successor_active - prepublish_delay;
    if ((double)create_at > now) {
        consider(plan, (double)create_at);
        return;
    }
    plan->create = LK_CREATE_SCHEDULED;
    plan->alg = active->alg;
    plan->not_before = successor_active;
    snprintf(plan->expected_active, sizeof plan->expected_active, "%s", active->kid);
}

void lk_rotation_plan_make(const lk_signing_key_record_t *records, size_t count, double now,
                           int64_t rotation_period, int64_t prepublish_delay,
                           lk_rotation_plan_t *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->alg = LK_ALG_ES256;

    const lk_signing_key_record_t *active = NULL;
    bool scheduled = false;
    for (size_t i = 0; i < count; i++) {
        const lk_signing_key_record_t *record = &records[i];
        if (record->state == LK_KEY_ACTIVE)
            active = record;
        if (record->state == LK_KEY_PENDING && record->activate_after != 0) {
            scheduled = true;
            note_due(plan, record->activate_after, now);
        }
        if (record->state == LK_KEY_RETIRED)
            note_due(plan, record->remove_after, now);
    }

    /* One rotation at a time: a scheduled key is the successor already. */
    if (rotation_period > 0 && !scheduled)
        plan_creation(active, now, rotation_period, prepublish_delay, plan);
}
