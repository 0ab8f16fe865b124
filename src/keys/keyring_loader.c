/* Loading the key ring from the signing_keys table. */
#include "keys/keyring_loader.h"

#include "store/signing_keys.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The master keys that may open a sealed private key, the current one first. */
typedef struct master_keys {
    const lk_master_key_t *current;
    const lk_master_key_t *previous; /* NULL unless a master-key rotation is under way */
} master_keys_t;

/* Opens the sealed private key of `record` with the current or the previous master key. */
static int open_private_key(const lk_signing_key_record_t *record, const master_keys_t *keys,
                            uint8_t **private_pem, size_t *private_length)
{
    if (record->private_key_sealed == NULL)
        return -1;
    if (lk_master_key_open(keys->current, record->kid, record->private_key_sealed, private_pem,
                           private_length) == 0)
        return 0;
    if (keys->previous == NULL)
        return -1;
    return lk_master_key_open(keys->previous, record->kid, record->private_key_sealed,
                              private_pem, private_length);
}

/* Parses one record into a signing key, opening the private half when `active`. */
static lk_signing_key_t *create_key(const lk_signing_key_record_t *record,
                                    const master_keys_t *keys, bool active, char *error,
                                    size_t error_size)
{
    uint8_t *private_pem = NULL;
    size_t private_length = 0;

    if (active && open_private_key(record, keys, &private_pem, &private_length) != 0) {
        snprintf(error, error_size,
                 "key %s: the sealed private key could not be opened; check that "
                 "LATCHKEY_MASTER_KEY_FILE (or LATCHKEY_PREVIOUS_MASTER_KEY_FILE during a "
                 "master-key rotation) holds the master key that sealed it",
                 record->kid);
        return NULL;
    }

    lk_signing_key_t *key = lk_signing_key_create(record->kid, record->alg,
                                                  record->public_key_pem,
                                                  (const char *)private_pem, private_length);
    lk_secret_free(private_pem);
    if (key == NULL)
        snprintf(error, error_size, "key %s: the stored key is invalid for %s", record->kid,
                 lk_jwt_alg_name(record->alg));
    return key;
}

/* Adds every record to `ring`. Returns 0, or -1 with the reason in `error`. */
static int add_keys(lk_keyring_t *ring, const lk_signing_key_record_t *records, size_t count,
                    const master_keys_t *keys, char *error, size_t error_size)
{
    for (size_t i = 0; i < count; i++) {
        bool active = records[i].state == LK_KEY_ACTIVE;
        lk_signing_key_t *key = create_key(&records[i], keys, active, error, error_size);
        if (key == NULL)
            return -1;
        if (lk_keyring_add(ring, key, active) != 0) {
            snprintf(error, error_size, "key %s: could not be added to the key ring",
                     records[i].kid);
            return -1;
        }
    }
    return 0;
}

lk_keyring_t *lk_keyring_load(PGconn *connection, const lk_master_key_t *master_key,
                              const lk_master_key_t *previous_master_key, char *error,
                              size_t error_size)
{
    const master_keys_t keys = {.current = master_key, .previous = previous_master_key};
    lk_signing_key_record_t *records = NULL;
    size_t count = 0;
    lk_store_result_t status = lk_store_signing_keys_list_published(connection, &records, &count);
    if (status != LK_STORE_OK) {
        snprintf(error, error_size, "reading the signing keys failed (%s)",
                 lk_store_result_name(status));
        return NULL;
    }

    lk_keyring_t *ring = lk_keyring_create();
    int outcome = -1;
    if (ring == NULL)
        snprintf(error, error_size, "out of memory creating the key ring");
    else if (add_keys(ring, records, count, &keys, error, error_size) == 0) {
        outcome = lk_keyring_freeze(ring);
        if (outcome != 0)
            snprintf(error, error_size, "building the JWKS document failed");
    }
    lk_signing_key_records_free(records, count);

    if (outcome != 0) {
        lk_keyring_release(ring);
        return NULL;
    }
    return ring;
}

lk_store_result_t lk_store_keys_notify(PGconn *connection)
{
    return lk_db_command(connection, "NOTIFY " LK_KEYS_CHANNEL, 0, NULL, PGRES_COMMAND_OK,
                         "notify key change");
}
