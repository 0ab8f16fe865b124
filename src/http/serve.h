/* `latchkey serve`: runs the HTTP server until SIGINT or SIGTERM. */
#ifndef LK_HTTP_SERVE_H
#define LK_HTTP_SERVE_H

#include "config/config.h"

/*
 * Loads the master key and the key ring, opens the listeners, starts the worker pool, the
 * key refresher and one event loop per LATCHKEY_THREADS, logs "ready:", and serves until a
 * signal. Shutdown is staged: stop accepting, drain in-flight requests for up to 10
 * seconds, stop the workers, free everything. A second signal exits at once.
 * Returns 0 after a clean shutdown, 1 when start-up failed (the reason is logged).
 */
__attribute__((warn_unused_result)) int lk_serve(const lk_config_t *config);

#endif
