/* The bounded expiring cache; see ttl_cache.h. */
#include "access/ttl_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Expired entries are swept at most this often when the cache is full, so that a full
 * cache does not cost a whole sweep on every store. */
#define MIN_SWEEP_INTERVAL_MS 100

typedef struct entry {
    struct entry *next;
    int64_t expires_ms;
    size_t key_length;
    unsigned char data[]; /* value_size bytes of value, then the key and its NUL */
} entry_t;

struct lk_ttl_cache {
    pthread_mutex_t mutex;
    int64_t ttl_ms;
    size_t max_entries;
    size_t value_size;
    size_t count;
    uint64_t generation;
    int64_t next_sweep_ms;
    size_t bucket_mask;
    entry_t **buckets;
    /* Keys come from clients, so bucket indexes use SipHash with a per-cache random key
       to keep crafted keys from piling into one bucket. */
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
};

int64_t lk_monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static size_t bucket_count_for(size_t max_entries)
{
    size_t count = 16;
    while (count < max_entries && count < ((size_t)1 << 30))
        count <<= 1;
    return count;
}

lk_ttl_cache_t *lk_ttl_cache_create(int64_t ttl_ms, size_t max_entries, size_t value_size)
{
    if (sodium_init() < 0)
        return NULL;

    lk_ttl_cache_t *cache = calloc(1, sizeof *cache);
    if (cache == NULL)
        return NULL;

    size_t bucket_count = bucket_count_for(max_entries);
    cache->buckets = calloc(bucket_count, sizeof *cache->buckets);
    if (cache->buckets == NULL || pthread_mutex_init(&cache->mutex, NULL) != 0) {
        free(cache->buckets);
        free(cache);
        return NULL;
    }
    cache->ttl_ms = ttl_ms > 0 ? ttl_ms : 0;
    cache->max_entries = max_entries;
    cache->value_size = value_size;
    cache->bucket_mask = bucket_count - 1;
    crypto_shorthash_keygen(cache->hash_key);
    return cache;
}

/* Frees every entry. The caller holds the mutex or is the only user. */
static void free_entries(lk_ttl_cache_t *cache)
{
    for (size_t i = 0; i <= cache->bucket_mask; i++) {
        entry_t *entry = cache->buckets[i];
        while (entry != NULL) {
            entry_t *next = entry->next;
            free(entry);
            entry = next;
        }
        cache->buckets[i] = NULL;
    }
    cache->count = 0;
}

void lk_ttl_cache_destroy(lk_ttl_cache_t *cache)
{
    if (cache == NULL)
        return;
    free_entries(cache);
    pthread_mutex_destroy(&cache->mutex);
    free(cache->buckets);
    free(cache);
}

static entry_t **bucket_of(lk_ttl_cache_t *cache, const char *key, size_t key_length)
{
    uint64_t hash;
    unsigned char digest[crypto_shorthash_BYTES];

    crypto_shorthash(digest, (const unsigned char *)key, key_length, cache->hash_key);
    memcpy(&hash, digest, sizeof hash);
    return &cache->buckets[hash & cache->bucket_mask];
}

static const char *entry_key(const lk_ttl_cache_t *cache, const entry_t *entry)
{
    return (const char *)entry->data + cache->value_size;
}

/* Returns the link that points at the entry for `key`, or NULL. The caller holds the mutex. */
static entry_t **find_link(lk_ttl_cache_t *cache, const char *key, size_t key_length)
{
    for (entry_t **link = bucket_of(cache, key, key_length); *link != NULL;
         link = &(*link)->next) {
        entry_t *entry = *link;
        if (entry->key_length == key_length &&
            memcmp(entry_key(cache, entry), key, key_length) == 0)
            return link;
    }
    return NULL;
}

static void unlink_entry(lk_ttl_cache_t *cache, entry_t **link)
{
    entry_t *entry = *link;
    *link = entry->next;
    free(entry);
    cache->count--;
}

/* Drops every expired entry. The caller holds the mutex. */
static void sweep_expired(lk_ttl_cache_t *cache, int64_t now_ms)
{
    for (size_t i = 0; i <= cache->bucket_mask; i++) {
        entry_t **link = &cache->buckets[i];
        while (*link != NULL) {
            if ((*link)->expires_ms <= now_ms)
                unlink_entry(cache, link);
            else
                link = &(*link)->next;
        }
    }
}

static bool is_usable_key(const lk_ttl_cache_t *cache, size_t key_length)
{
    return cache->ttl_ms > 0 && key_length > 0 && key_length <= LK_TTL_CACHE_KEY_MAX_LENGTH;
}

bool lk_ttl_cache_get(lk_ttl_cache_t *cache, const char *key, void *value, int64_t now_ms)
{
    size_t key_length = strlen(key);
    if (!is_usable_key(cache, key_length))
        return false;

    bool found = false;
    pthread_mutex_lock(&cache->mutex);
    entry_t **link = find_link(cache, key, key_length);
    if (link != NULL && (*link)->expires_ms > now_ms) {
        memcpy(value, (*link)->data, cache->value_size);
        found = true;
    } else if (link != NULL) {
        unlink_entry(cache, link);
    }
    pthread_mutex_unlock(&cache->mutex);
    return found;
}

uint64_t lk_ttl_cache_generation(lk_ttl_cache_t *cache)
{
    pthread_mutex_lock(&cache->mutex);
    uint64_t generation = cache->generation;
    pthread_mutex_unlock(&cache->mutex);
    return generation;
}

/* Makes room for one more entry if possible. The caller holds the mutex. */
static bool has_room(lk_ttl_cache_t *cache, int64_t now_ms)
{
    if (cache->count < cache->max_entries)
        return true;
    if (now_ms < cache->next_sweep_ms)
        return false;

    sweep_expired(cache, now_ms);
    int64_t interval = cache->ttl_ms / 4 > MIN_SWEEP_INTERVAL_MS ? cache->ttl_ms / 4
                                                                 : MIN_SWEEP_INTERVAL_MS;
    cache->next_sweep_ms = now_ms + interval;
    return cache->count < cache->max_entries;
}

bool lk_ttl_cache_put(lk_ttl_cache_t *cache, const char *key, const void *value,
                      uint64_t generation, int64_t now_ms)
{
    size_t key_length = strlen(key);
    if (!is_usable_key(cache, key_length))
        return false;

    bool stored = false;
    pthread_mutex_lock(&cache->mutex);
    if (generation == cache->generation) {
        entry_t **link = find_link(cache, key, key_length);
        if (link != NULL)
            unlink_entry(cache, link);

        entry_t *entry = has_room(cache, now_ms)
                             ? malloc(sizeof *entry + cache->value_size + key_length + 1)
                             : NULL;
        if (entry != NULL) {
            entry->expires_ms = now_ms + cache->ttl_ms;
            entry->key_length = key_length;
            memcpy(entry->data, value, cache->value_size);
            memcpy(entry->data + cache->value_size, key, key_length + 1);

            entry_t **bucket = bucket_of(cache, key, key_length);
            entry->next = *bucket;
            *bucket = entry;
            cache->count++;
            stored = true;
        }
    }
    pthread_mutex_unlock(&cache->mutex);
    return stored;
}

void lk_ttl_cache_remove(lk_ttl_cache_t *cache, const char *key)
{
    size_t key_length = strlen(key);

    pthread_mutex_lock(&cache->mutex);
    cache->generation++;
    if (key_length > 0 && key_length <= LK_TTL_CACHE_KEY_MAX_LENGTH) {
        entry_t **link = find_link(cache, key, key_length);
        if (link != NULL)
            unlink_entry(cache, link);
    }
    pthread_mutex_unlock(&cache->mutex);
}

void lk_ttl_cache_clear(lk_ttl_cache_t *cache)
{
    pthread_mutex_lock(&cache->mutex);
    cache->generation++;
    free_entries(cache);
    pthread_mutex_unlock(&cache->mutex);
}

size_t lk_ttl_cache_count(lk_ttl_cache_t *cache)
{
    pthread_mutex_lock(&cache->mutex);
    size_t count = cache->count;
    pthread_mutex_unlock(&cache->mutex);
    return count;
}
