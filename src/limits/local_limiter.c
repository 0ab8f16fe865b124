/* The in-memory rate-limit table; see local_limiter.h. */
#include "limits/local_limiter.h"

#include "limits/limit_algorithms.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STRIPE_COUNT 64
#define PROBE_LENGTH 8
/* Keys one evaluation touches at most: every rule and the known-address key. */
#define MAX_KEYS (LK_LIMIT_MAX_RULES + 1)

typedef struct slot {
    unsigned char key[LK_LIMIT_DIGEST_BYTES];
    lk_limit_state_t state; /* expires_at == 0 marks a free slot */
} slot_t;

typedef struct stripe {
    pthread_mutex_t mutex;
    slot_t *slots;
} stripe_t;

struct lk_local_limiter {
    size_t slots_per_stripe;
    stripe_t stripes[STRIPE_COUNT];
};

int64_t lk_local_limiter_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

lk_local_limiter_t *lk_local_limiter_create(size_t entries)
{
    lk_local_limiter_t *limiter = calloc(1, sizeof(*limiter));
    if (limiter == NULL)
        return NULL;

    limiter->slots_per_stripe = entries / STRIPE_COUNT > PROBE_LENGTH ? entries / STRIPE_COUNT
                                                                      : PROBE_LENGTH;
    for (size_t i = 0; i < STRIPE_COUNT; i++) {
        limiter->stripes[i].slots = calloc(limiter->slots_per_stripe, sizeof(slot_t));
        if (limiter->stripes[i].slots == NULL) {
            lk_local_limiter_destroy(limiter);
            return NULL;
        }
        pthread_mutex_init(&limiter->stripes[i].mutex, NULL);
    }
    return limiter;
}

void lk_local_limiter_destroy(lk_local_limiter_t *limiter)
{
    if (limiter == NULL)
        return;
    for (size_t i = 0; i < STRIPE_COUNT; i++) {
        if (limiter->stripes[i].slots != NULL)
            pthread_mutex_destroy(&limiter->stripes[i].mutex);
        free(limiter->stripes[i].slots);
    }
    free(limiter);
}

/* The digest is a keyed hash, so its first bytes are already uniformly spread. */
static uint64_t key_hash(const lk_limit_key_t *key)
{
    uint64_t hash;
    memcpy(&hash, key->digest, sizeof(hash));
    return hash;
}

static stripe_t *stripe_of(lk_local_limiter_t *limiter, const lk_limit_key_t *key)
{
    return &limiter->stripes[key_hash(key) % STRIPE_COUNT];
}

static size_t first_slot(const lk_local_limiter_t *limiter, const lk_limit_key_t *key)
{
    return (size_t)((key_hash(key) / STRIPE_COUNT) % limiter->slots_per_stripe);
}

/* Returns the live slot holding `key`, or NULL. */
static slot_t *find_slot(lk_local_limiter_t *limiter, const lk_limit_key_t *key, int64_t now)
{
    stripe_t *stripe = stripe_of(limiter, key);
    size_t start = first_slot(limiter, key);

    for (size_t i = 0; i < PROBE_LENGTH; i++) {
        slot_t *slot = &stripe->slots[(start + i) % limiter->slots_per_stripe];
        if (slot->state.expires_at > now &&
            memcmp(slot->key, key->digest, LK_LIMIT_DIGEST_BYTES) == 0)
            return slot;
    }
    return NULL;
}

/* Returns the slot to store `key` in: its own, else a free or expired one, else the one
 * that expires first. */
static slot_t *claim_slot(lk_local_limiter_t *limiter, const lk_limit_key_t *key, int64_t now)
{
    slot_t *found = find_slot(limiter, key, now);
    if (found != NULL)
        return found;

    stripe_t *stripe = stripe_of(limiter, key);
    size_t start = first_slot(limiter, key);
    slot_t *oldest = NULL;
    for (size_t i = 0; i < PROBE_LENGTH; i++) {
        slot_t *slot = &stripe->slots[(start + i) % limiter->slots_per_stripe];
        if (slot->state.expires_at <= now)
            return slot;
        if (oldest == NULL || slot->state.expires_at < oldest->state.expires_at)
            oldest = slot;
    }
    return oldest;
}

static lk_limit_state_t read_state(lk_local_limiter_t *limiter, const lk_limit_key_t *key,
                                   int64_t now)
{
    slot_t *slot = find_slot(limiter, key, now);
    return slot != NULL ? slot->state : (lk_limit_state_t){0, 0, 0};
}

static void write_state(lk_local_limiter_t *limiter, const lk_limit_key_t *key,
                        const lk_limit_state_t *state, int64_t now)
{
    slot_t *slot = claim_slot(limiter, key, now);
    memcpy(slot->key, key->digest, LK_LIMIT_DIGEST_BYTES);
    slot->state = *state;
}

/* Locks the stripes of `keys` in address order, each once, so that two evaluations that
 * share stripes cannot deadlock. Returns the number of stripes locked into `locked`. */
static size_t lock_stripes(lk_local_limiter_t *limiter, const lk_limit_key_t *const *keys,
                           size_t key_count, stripe_t *locked[MAX_KEYS])
{
    size_t count = 0;
    for (size_t i = 0; i < key_count; i++) {
        stripe_t *stripe = stripe_of(limiter, keys[i]);
        size_t position = count;
        bool present = false;
        for (size_t j = 0; j < count; j++)
            present |= locked[j] == stripe;
        if (present)
            continue;
        while (position > 0 && locked[position - 1] > stripe) {
            locked[position] = locked[position - 1];
            position--;
        }
        locked[position] = stripe;
        count++;
    }
    for (size_t i = 0; i < count; i++)
        pthread_mutex_lock(&locked[i]->mutex);
    return count;
}

static void unlock_stripes(stripe_t *const *locked, size_t count)
{
    for (size_t i = count; i > 0; i--)
        pthread_mutex_unlock(&locked[i - 1]->mutex);
}

/* Runs one rule's algorithm on its stored state. */
static void evaluate_rule(lk_local_limiter_t *limiter, const lk_limit_rule_t *rule,
                          const lk_limit_key_t *key, int64_t now, lk_limit_step_t *step)
{
    lk_limit_state_t state = read_state(limiter, key, now);
    if (rule->algorithm == LK_LIMIT_BACKOFF)
        lk_backoff_evaluate(&state, now, rule->count, rule->period_ms * 1000,
                            rule->backoff_max_ms * 1000, step);
    else
        lk_gcra_evaluate(&state, now, rule->count, rule->period_ms * 1000, step);
}

/* Microseconds to whole milliseconds, rounded up, so that a client never retries early. */
static int64_t to_milliseconds(int64_t microseconds)
{
    return (microseconds + 999) / 1000;
}

/* Evaluates every rule with the stripes locked; writes the new states only if all admit. */
static void evaluate_locked(lk_local_limiter_t *limiter, const lk_limit_plan_t *plan,
                            int64_t now, lk_limit_decision_t *decision)
{
    bool known = plan->has_known_key && find_slot(limiter, &plan->known_key, now) != NULL;
    lk_limit_step_t steps[LK_LIMIT_MAX_RULES];
    int64_t retry_after = 0;
    bool rejected = false;

    for (size_t i = 0; i < plan->rule_count; i++) {
        lk_limit_rule_status_t *status = &decision->rules[i];
        status->rule = plan->rules[i];
        status->applied = !(plan->rules[i]->skip_known && known);
        if (!status->applied)
            continue;

        evaluate_rule(limiter, plan->rules[i], &plan->keys[i], now, &steps[i]);
        status->rejected = !steps[i].admitted;
        status->remaining = steps[i].remaining;
        status->reset_ms = to_milliseconds(steps[i].reset_us);
        if (status->rejected && steps[i].reset_us > retry_after)
            retry_after = steps[i].reset_us;
        rejected |= status->rejected;
    }

    decision->rule_count = plan->rule_count;
    decision->outcome = rejected ? LK_LIMIT_REJECTED : LK_LIMIT_ADMITTED;
    decision->retry_after_ms = to_milliseconds(retry_after);
    if (decision->outcome == LK_LIMIT_REJECTED) {
        /* Rules that admitted were not charged, so they show their quota before this request. */
        for (size_t i = 0; i < plan->rule_count; i++) {
            if (decision->rules[i].applied && !decision->rules[i].rejected)
                decision->rules[i].remaining++;
        }
        return;
    }
    for (size_t i = 0; i < plan->rule_count; i++) {
        if (decision->rules[i].applied)
            write_state(limiter, &plan->keys[i], &steps[i].next, now);
    }
}

void lk_local_limiter_evaluate(lk_local_limiter_t *limiter, const lk_limit_plan_t *plan,
                               int64_t now_us, lk_limit_decision_t *decision)
{
    const lk_limit_key_t *keys[MAX_KEYS];
    size_t key_count = 0;
    stripe_t *locked[MAX_KEYS];

    memset(decision, 0, sizeof(*decision));
    for (size_t i = 0; i < plan->rule_count; i++)
        keys[key_count++] = &plan->keys[i];
    if (plan->has_known_key)
        keys[key_count++] = &plan->known_key;

    size_t locked_count = lock_stripes(limiter, keys, key_count, locked);
    evaluate_locked(limiter, plan, now_us, decision);
    unlock_stripes(locked, locked_count);
}

void lk_local_limiter_record_success(lk_local_limiter_t *limiter, const lk_limit_key_t *reset_key,
                                     const lk_limit_key_t *known_key, int64_t known_ttl_us,
                                     int64_t now_us)
{
    const lk_limit_key_t *keys[2] = {reset_key, known_key};
    stripe_t *locked[MAX_KEYS];
    size_t locked_count = lock_stripes(limiter, keys, known_key != NULL ? 2 : 1, locked);

    slot_t *slot = find_slot(limiter, reset_key, now_us);
    if (slot != NULL)
        slot->state = (lk_limit_state_t){0, 0, 0};
    if (known_key != NULL) {
        lk_limit_state_t known = {.value = 1, .expires_at = now_us + known_ttl_us};
        write_state(limiter, known_key, &known, now_us);
    }
    unlock_stripes(locked, locked_count);
}
