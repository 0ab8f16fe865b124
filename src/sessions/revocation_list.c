/*
 * The in-process set of revoked sessions; see revocation_list.h. An open-addressing hash
 * table with linear probing, keyed by the 16 bytes of the session UUID. Session ids are
 * random version 4 UUIDs made by PostgreSQL, so their bytes serve as the hash directly.
 */
#include "sessions/revocation_list.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define UUID_TEXT_LENGTH 36
#define MIN_CAPACITY 256

typedef struct slot {
    uint8_t id[16];
    int64_t expires_at; /* 0 marks an empty slot */
} slot_t;

struct lk_revocation_list {
    pthread_mutex_t mutex;
    slot_t *slots;
    size_t capacity; /* a power of two */
    size_t count;
};

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses the canonical 8-4-4-4-12 text form. Returns 0, or -1 for anything else. */
static int parse_uuid(const char *text, size_t length, uint8_t id[16])
{
    if (length != UUID_TEXT_LENGTH)
        return -1;

    size_t byte = 0;
    for (size_t i = 0; i < UUID_TEXT_LENGTH; i += 2) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return -1;
            i++;
        }
        int high = hex_value(text[i]);
        int low = hex_value(text[i + 1]);
        if (high < 0 || low < 0)
            return -1;
        id[byte++] = (uint8_t)(high << 4 | low);
    }
    return 0;
}

static size_t home_slot(const uint8_t id[16], size_t capacity)
{
    uint64_t first;
    uint64_t second;
    memcpy(&first, id, sizeof first);
    memcpy(&second, id + 8, sizeof second);
    return (size_t)(first ^ second) & (capacity - 1);
}

/* Returns the slot holding `id`, or the empty slot where it belongs. */
static slot_t *find_slot(slot_t *slots, size_t capacity, const uint8_t id[16])
{
    size_t index = home_slot(id, capacity);
    while (slots[index].expires_at != 0 && memcmp(slots[index].id, id, 16) != 0)
        index = (index + 1) & (capacity - 1);
    return &slots[index];
}

/*
 * Rebuilds the table with room for the live entries plus `incoming` more at a load of at
 * most one half, dropping entries that expired before `now`. Returns 0 or -1.
 */
static int rebuild(lk_revocation_list_t *list, size_t incoming, int64_t now)
{
    size_t live = 0;
    for (size_t i = 0; i < list->capacity; i++)
        live += list->slots[i].expires_at > now;

    size_t capacity = MIN_CAPACITY;
    while (capacity < 2 * (live + incoming) + 1)
        capacity *= 2;

    slot_t *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < list->capacity; i++) {
        if (list->slots[i].expires_at > now)
            *find_slot(slots, capacity, list->slots[i].id) = list->slots[i];
    }

    free(list->slots);
    list->slots = slots;
    list->capacity = capacity;
    list->count = live;
    return 0;
}

lk_revocation_list_t *lk_revocation_list_create(void)
{
    lk_revocation_list_t *list = calloc(1, sizeof *list);
    if (list == NULL)
        return NULL;

    list->slots = calloc(MIN_CAPACITY, sizeof *list->slots);
    if (list->slots == NULL) {
        free(list);
        return NULL;
    }
    list->capacity = MIN_CAPACITY;
    pthread_mutex_init(&list->mutex, NULL);
    return list;
}

void lk_revocation_list_destroy(lk_revocation_list_t *list)
{
    if (list == NULL)
        return;
    pthread_mutex_destroy(&list->mutex);
    free(list->slots);
    free(list);
}

/* Inserts one entry; the caller holds the mutex and has made room. */
static void insert(lk_revocation_list_t *list, const uint8_t id[16], int64_t expires_at)
{
    slot_t *slot = find_slot(list->slots, list->capacity, id);
    if (slot->expires_at == 0) {
        memcpy(slot->id, id, 16);
        list->count++;
    }
    if (expires_at > slot->expires_at)
        slot->expires_at = expires_at;
}

int lk_revocation_list_add(lk_revocation_list_t *list, const lk_revocation_entry_t *entries,
                           size_t count, int64_t now)
{
    int skipped = 0;
    int status = 0;

    pthread_mutex_lock(&list->mutex);
    for (size_t i = 0; i < count; i++) {
        uint8_t id[16];
        if (parse_uuid(entries[i].session_id, strlen(entries[i].session_id), id) != 0) {
            skipped++;
            continue;
        }
        if (entries[i].expires_at <= now)
            continue;

        if (2 * (list->count + 1) > list->capacity && rebuild(list, count - i, now) != 0) {
            status = -1;
            break;
        }
        insert(list, id, entries[i].expires_at);
    }
    pthread_mutex_unlock(&list->mutex);
    return status != 0 ? -1 : skipped;
}

bool lk_revocation_list_contains(lk_revocation_list_t *list, const char *session_id,
                                 size_t length, int64_t now)
{
    uint8_t id[16];
    if (parse_uuid(session_id, length, id) != 0)
        return false;

    pthread_mutex_lock(&list->mutex);
    const slot_t *slot = find_slot(list->slots, list->capacity, id);
    bool revoked = slot->expires_at > now;
    pthread_mutex_unlock(&list->mutex);
    return revoked;
}

size_t lk_revocation_list_size(lk_revocation_list_t *list)
{
    pthread_mutex_lock(&list->mutex);
    size_t count = list->count;
    pthread_mutex_unlock(&list->mutex);
    return count;
}
