/*
 * A PostgreSQL connection that listens on the key-change channel (NOTIFY latchkey_keys),
 * shared by the key refresher and the key rotator threads. The owning thread also runs
 * its queries on this connection. Notifications that libpq reads during those queries
 * are kept and reported by the next lk_key_listener_wait or lk_key_listener_drain.
 * One thread at a time.
 */
#ifndef LK_KEYS_KEY_LISTENER_H
#define LK_KEYS_KEY_LISTENER_H

#include "store/db.h"

#include <stdbool.h>

typedef struct lk_key_listener {
    const char *database_url; /* borrowed */
    const char *owner;        /* "key refresher", for log lines */
    int wake_fd;              /* readable when the owner must stop; -1 for none */
    PGconn *connection;       /* NULL while disconnected */
    unsigned failures;        /* consecutive failed connection attempts */
} lk_key_listener_t;

typedef enum lk_key_listen_event {
    LK_KEY_LISTEN_TIMEOUT = 0,
    LK_KEY_LISTEN_CHANGED, /* at least one notification arrived */
    LK_KEY_LISTEN_WOKEN,   /* wake_fd became readable */
} lk_key_listen_event_t;

/* Fills `listener`; nothing connects until lk_key_listener_ensure. */
void lk_key_listener_init(lk_key_listener_t *listener, const char *database_url,
                          const char *owner, int wake_fd);

/* Closes the connection. */
void lk_key_listener_dispose(lk_key_listener_t *listener);

/*
 * Connects and runs LISTEN unless a good connection exists. Returns 1 after a new
 * connection, after which the caller must assume that it missed notifications; 0 when
 * the connection was already listening; -1 when connecting failed. The first failure and
 * every 60th in a row are logged, and so is the reconnection.
 */
__attribute__((warn_unused_result)) int lk_key_listener_ensure(lk_key_listener_t *listener);

/*
 * Consumes every notification that has arrived, including those libpq read during the
 * last query. Returns true when there was at least one. Never blocks, because
 * PQconsumeInput only reads what the socket already holds.
 */
bool lk_key_listener_drain(lk_key_listener_t *listener);

/* Waits up to `timeout_ms` for a notification or the wake descriptor. */
lk_key_listen_event_t lk_key_listener_wait(lk_key_listener_t *listener, int timeout_ms);

#endif
