/* The key-change LISTEN connection; see key_listener.h. */
#include "keys/key_listener.h"

#include "core/log.h"
#include "keys/keyring_loader.h"

#include <errno.h>
#include <poll.h>

/* While PostgreSQL is unreachable, one warning per this many failed attempts. */
#define FAILURE_LOG_EVERY 60

void lk_key_listener_init(lk_key_listener_t *listener, const char *database_url,
                          const char *owner, int wake_fd)
{
    listener->database_url = database_url;
    listener->owner = owner;
    listener->wake_fd = wake_fd;
    listener->connection = NULL;
    listener->failures = 0;
}

/* Logs a failed connection attempt, rate-limited because the owners retry every second. */
static void log_failure(lk_key_listener_t *listener, const char *reason)
{
    if (listener->failures % FAILURE_LOG_EVERY == 0)
        lk_log_warn("%s: database connection failed (%u attempts in a row): %s",
                    listener->owner, listener->failures + 1, reason);
    listener->failures++;
}

void lk_key_listener_dispose(lk_key_listener_t *listener)
{
    PQfinish(listener->connection);
    listener->connection = NULL;
}

int lk_key_listener_ensure(lk_key_listener_t *listener)
{
    if (listener->connection != NULL && PQstatus(listener->connection) == CONNECTION_OK)
        return 0;
    lk_key_listener_dispose(listener);

    char error[256];
    listener->connection = lk_db_connect(listener->database_url, error, sizeof error);
    if (listener->connection == NULL) {
        log_failure(listener, error);
        return -1;
    }

    lk_store_result_t status = lk_db_command(listener->connection, "LISTEN " LK_KEYS_CHANNEL, 0,
                                             NULL, PGRES_COMMAND_OK, "listen for key changes");
    if (status != LK_STORE_OK) {
        log_failure(listener, "LISTEN " LK_KEYS_CHANNEL " failed");
        lk_key_listener_dispose(listener);
        return -1;
    }

    if (listener->failures > 0)
        lk_log_info("%s: database connection restored after %u failed attempts",
                    listener->owner, listener->failures);
    listener->failures = 0;
    return 1;
}

bool lk_key_listener_drain(lk_key_listener_t *listener)
{
    if (listener->connection == NULL)
        return false;

    /* PQconsumeInput reads whatever the socket holds without blocking; a failure means a
     * broken connection, which the next lk_key_listener_ensure replaces. */
    PQconsumeInput(listener->connection);
    bool notified = false;
    PGnotify *notification;
    while ((notification = PQnotifies(listener->connection)) != NULL) {
        notified = true;
        PQfreemem(notification);
    }
    return notified;
}

lk_key_listen_event_t lk_key_listener_wait(lk_key_listener_t *listener, int timeout_ms)
{
    if (lk_key_listener_drain(listener))
        return LK_KEY_LISTEN_CHANGED;

    int socket = listener->connection != NULL ? PQsocket(listener->connection) : -1;
    struct pollfd descriptors[2] = {
        {.fd = listener->wake_fd, .events = POLLIN},
        {.fd = socket, .events = POLLIN},
    };

    int ready = poll(descriptors, 2, timeout_ms < 0 ? 0 : timeout_ms);
    if (ready < 0 && errno != EINTR)
        lk_log_warn("%s: poll failed: errno %d", listener->owner, errno);
    if (ready <= 0)
        return LK_KEY_LISTEN_TIMEOUT;
    if ((descriptors[0].revents & POLLIN) != 0)
        return LK_KEY_LISTEN_WOKEN;
    return lk_key_listener_drain(listener) ? LK_KEY_LISTEN_CHANGED : LK_KEY_LISTEN_TIMEOUT;
}
