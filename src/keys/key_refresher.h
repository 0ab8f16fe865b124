/*
 * A background thread that keeps the server's key ring current: it listens for
 * NOTIFY latchkey_keys, which every key change sends, and also reloads every
 * LATCHKEY_KEY_RELOAD_INTERVAL seconds as a safety net against a lost notification. It
 * reloads again when notifications arrived during a reload, and after every new
 * database connection, because notifications sent while disconnected are lost. A failed
 * reload keeps the previous ring and logs a warning.
 */
#ifndef LK_KEYS_KEY_REFRESHER_H
#define LK_KEYS_KEY_REFRESHER_H

#include "config/config.h"
#include "crypto/master_key.h"
#include "keys/key_source.h"

typedef struct lk_key_refresher lk_key_refresher_t;

/*
 * Starts the thread. `previous_master_key` is NULL unless a master-key rotation is under
 * way. Every pointer must outlive the refresher. Returns NULL on failure.
 */
__attribute__((warn_unused_result)) lk_key_refresher_t *lk_key_refresher_start(
    const lk_config_t *config, const lk_master_key_t *master_key,
    const lk_master_key_t *previous_master_key, lk_key_source_t *source);

/* Stops and joins the thread, closes its connection and frees it. Accepts NULL. */
void lk_key_refresher_stop(lk_key_refresher_t *refresher);

#endif
