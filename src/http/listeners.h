/* Listening sockets, opened once by the main thread and shared by every event loop. */
#ifndef LK_HTTP_LISTENERS_H
#define LK_HTTP_LISTENERS_H

#include "config/config.h"

#include <stddef.h>

/*
 * Binds and listens on `address` (non-blocking, SO_REUSEADDR, IPV6_V6ONLY for IPv6).
 * Returns the descriptor, or -1 with a one-line reason in `error` naming the address.
 */
__attribute__((warn_unused_result)) int lk_listener_open(const lk_listen_address_t *address,
                                                         char *error, size_t error_size);

#endif
