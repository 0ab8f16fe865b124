/*
 * Redis connections from LATCHKEY_REDIS_URL: redis://[:password@]host[:port][/db] or
 * unix:///path/to/socket[?db=N]. Blocking hiredis contexts with timeouts, for worker
 * threads and the CLI only.
 */
#ifndef LK_STORE_REDIS_CLIENT_H
#define LK_STORE_REDIS_CLIENT_H

#include <hiredis/hiredis.h>
#include <stddef.h>

/*
 * Connects, authenticates and selects the database. Returns the context, or NULL with a
 * one-line reason in `error` that never contains the password.
 */
__attribute__((warn_unused_result)) redisContext *lk_redis_connect(const char *url, char *error,
                                                                   size_t error_size);

/* Sends PING. Returns 0 when Redis answered PONG, -1 otherwise. */
__attribute__((warn_unused_result)) int lk_redis_ping(redisContext *context);

#endif
