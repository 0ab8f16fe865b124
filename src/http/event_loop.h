/*
 * One event-loop thread: an h2o context on its own evloop, its own handles on the shared
 * listening sockets, and receivers for worker replies and for the shutdown wake-up.
 */
#ifndef LK_HTTP_EVENT_LOOP_H
#define LK_HTTP_EVENT_LOOP_H

#include "config/config.h"
#include "http/app.h"

#include <h2o.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct lk_event_loop lk_event_loop_t;

typedef struct lk_listener_handle {
    lk_event_loop_t *loop;
    h2o_socket_t *socket;
    bool tls;
} lk_listener_handle_t;

struct lk_event_loop {
    h2o_context_t context;
    size_t index;
    pthread_t thread;
    bool started;
    bool started_once;
    bool drained; /* every connection closed, so the context may be disposed */
    lk_app_t *app;
    atomic_bool *stopping;
    h2o_accept_ctx_t accept_tls;
    h2o_accept_ctx_t accept_plain;
    h2o_multithread_receiver_t replies;
    h2o_multithread_receiver_t wakeups;
    lk_listener_handle_t listeners[LK_MAX_LISTENERS];
    size_t listener_count;
};

/* The shared pieces every loop is started with. */
typedef struct lk_event_loop_setup {
    lk_app_t *app;
    h2o_globalconf_t *globalconf;
    SSL_CTX *tls;
    const int *listen_fds;
    const bool *listen_tls;
    size_t listen_count;
    atomic_bool *stopping;
} lk_event_loop_setup_t;

/* Initialises `loop` and starts its thread. Returns 0, or -1 (nothing left running). */
__attribute__((warn_unused_result)) int lk_event_loop_start(lk_event_loop_t *loop, size_t index,
                                                            const lk_event_loop_setup_t *setup);

/* Wakes the loop so that it notices the stop flag. Safe from any thread. */
void lk_event_loop_wake(lk_event_loop_t *loop);

/* Waits for the loop's thread to finish draining and exit. */
void lk_event_loop_join(lk_event_loop_t *loop);

/* Frees the loop's h2o context and evloop; only after lk_event_loop_join. */
void lk_event_loop_dispose(lk_event_loop_t *loop);

/* The h2o handler that turns every request into an lk_request_t and dispatches it. */
int lk_event_loop_on_request(h2o_handler_t *handler, h2o_req_t *req);

#endif
