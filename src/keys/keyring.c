/*
 * The key ring. Keys are added while the ring is private to the loader, and
 * lk_keyring_freeze builds the JWKS document once. From then on the ring is only read, so
 * threads share it without locks. Only the reference count changes after the freeze.
 */
#include "keys/keyring.h"

#include "crypto/base64url.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The ETag is the base64url text of the first 12 bytes of the document's SHA-256, quoted. */
#define LK_ETAG_DIGEST_BYTES 12
#define LK_ETAG_SIZE (2 + 16 + 1)

struct lk_keyring {
    atomic_uint references;
    bool frozen;
    lk_signing_key_t **keys;
    size_t count;
    size_t capacity;
    const lk_signing_key_t *active;
    char *jwks;
    size_t jwks_length;
    char etag[LK_ETAG_SIZE];
};

lk_keyring_t *lk_keyring_create(void)
{
    lk_keyring_t *ring = calloc(1, sizeof(*ring));

    if (ring == NULL) {
        return NULL;
    }
    atomic_init(&ring->references, 1);
    return ring;
}

/* Checks the rules of lk_keyring_add. Returns 0 when `key` may join the ring. */
static int check_new_key(const lk_keyring_t *ring, const lk_signing_key_t *key, bool active)
{
    if (ring->frozen) {
        return -1;
    }
    if (lk_keyring_find(ring, key->kid) != NULL) {
        return -1;
    }
    if (active && (ring->active != NULL || key->private_key == NULL)) {
        return -1;
    }
    return 0;
}

int lk_keyring_add(lk_keyring_t *ring, lk_signing_key_t *key, bool active)
{
    if (ring == NULL || key == NULL || check_new_key(ring, key, active) != 0) {
        lk_signing_key_destroy(key);
        return -1;
    }
    if (ring->count == ring->capacity) {
        size_t capacity = ring->capacity == 0 ? 4 : ring->capacity * 2;
        lk_signing_key_t **keys = realloc(ring->keys, capacity * sizeof(*keys));

        if (keys == NULL) {
            lk_signing_key_destroy(key);
            return -1;
        }
        ring->keys = keys;
        ring->capacity = capacity;
    }

    ring->keys[ring->count++] = key;
    if (active) {
        ring->active = key;
    }
    return 0;
}

/* Builds {"keys":[...]} with the keys in the order they were added, members sorted. */
static char *build_jwks(const lk_keyring_t *ring)
{
    json_t *document = json_object();
    json_t *keys = json_array();
    char *text = NULL;

    if (document == NULL || keys == NULL) {
        json_decref(document);
        json_decref(keys);
        return NULL;
    }
    for (size_t i = 0; i < ring->count; i++) {
        if (json_array_append(keys, ring->keys[i]->public_jwk) != 0) {
            json_decref(keys);
            json_decref(document);
            return NULL;
        }
    }
    if (json_object_set_new(document, "keys", keys) == 0) {
        text = json_dumps(document, JSON_COMPACT | JSON_SORT_KEYS);
    }
    json_decref(document);
    return text;
}

int lk_keyring_freeze(lk_keyring_t *ring)
{
    uint8_t digest[crypto_hash_sha256_BYTES];
    char *jwks;

    if (ring == NULL || ring->frozen) {
        return -1;
    }
    jwks = build_jwks(ring);
    if (jwks == NULL) {
        return -1;
    }

    crypto_hash_sha256(digest, (const uint8_t *)jwks, strlen(jwks));
    ring->etag[0] = '"';
    if (lk_base64url_encode(ring->etag + 1, sizeof(ring->etag) - 2, digest,
                            LK_ETAG_DIGEST_BYTES) != 0) {
        free(jwks);
        return -1;
    }
    strcat(ring->etag, "\"");

    ring->jwks = jwks;
    ring->jwks_length = strlen(jwks);
    ring->frozen = true;
    return 0;
}

const lk_signing_key_t *lk_keyring_find(const lk_keyring_t *ring, const char *kid)
{
    if (ring == NULL || kid == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < ring->count; i++) {
        if (strcmp(ring->keys[i]->kid, kid) == 0) {
            return ring->keys[i];
        }
    }
    return NULL;
}

const lk_signing_key_t *lk_keyring_active(const lk_keyring_t *ring)
{
    return ring == NULL ? NULL : ring->active;
}

size_t lk_keyring_count(const lk_keyring_t *ring)
{
    return ring == NULL ? 0 : ring->count;
}

const char *lk_keyring_jwks(const lk_keyring_t *ring, size_t *length)
{
    if (length != NULL) {
        *length = ring->jwks_length;
    }
    return ring->jwks;
}

const char *lk_keyring_jwks_etag(const lk_keyring_t *ring)
{
    return ring->frozen ? ring->etag : NULL;
}

lk_keyring_t *lk_keyring_retain(lk_keyring_t *ring)
{
    /* A new reference is taken from an existing one, so no ordering is needed here. */
    atomic_fetch_add_explicit(&ring->references, 1, memory_order_relaxed);
    return ring;
}

void lk_keyring_release(lk_keyring_t *ring)
{
    if (ring == NULL) {
        return;
    }

    /* Acquire-release ordering makes every other thread's last reads happen before the free. */
    if (atomic_fetch_sub_explicit(&ring->references, 1, memory_order_acq_rel) != 1) {
        return;
    }
    for (size_t i = 0; i < ring->count; i++) {
        lk_signing_key_destroy(ring->keys[i]);
    }
    free(ring->keys);
    free(ring->jwks);
    free(ring);
}
