/* The shared, swappable key ring; see key_source.h. */
#include "keys/key_source.h"

#include <pthread.h>
#include <stdlib.h>

struct lk_key_source {
    pthread_mutex_t mutex;
    lk_keyring_t *ring;
};

lk_key_source_t *lk_key_source_create(lk_keyring_t *ring)
{
    lk_key_source_t *source = calloc(1, sizeof(*source));
    if (source == NULL) {
        lk_keyring_release(ring);
        return NULL;
    }
    pthread_mutex_init(&source->mutex, NULL);
    source->ring = ring;
    return source;
}

void lk_key_source_destroy(lk_key_source_t *source)
{
    if (source == NULL)
        return;
    lk_keyring_release(source->ring);
    pthread_mutex_destroy(&source->mutex);
    free(source);
}

lk_keyring_t *lk_key_source_acquire(lk_key_source_t *source)
{
    pthread_mutex_lock(&source->mutex);
    lk_keyring_t *ring = lk_keyring_retain(source->ring);
    pthread_mutex_unlock(&source->mutex);
    return ring;
}

void lk_key_source_replace(lk_key_source_t *source, lk_keyring_t *ring)
{
    pthread_mutex_lock(&source->mutex);
    lk_keyring_t *old = source->ring;
    source->ring = ring;
    pthread_mutex_unlock(&source->mutex);

    /* The release happens outside the lock because freeing a ring frees OpenSSL keys. */
    lk_keyring_release(old);
}
