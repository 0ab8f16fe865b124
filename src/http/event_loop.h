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
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct lk_event_loop lk_event_loop_t;

typedef struct lk_listener_handle {
    lk_event_loop_t *loop;
    h2o_socket_t *socket;
    bool tls;
} lk_listener_handle_t;

typedef struct lk_event_loop_setup lk_event_loop_setup_t;

struct lk_event_loop {
    h2o_context_t context; /* created, used and disposed on the loop's thread only */
    size_t index;
    pthread_t thread;
    bool started;     /* the thread runs and has attached its context */
    bool start_failed;
    bool joined;      /* lk_event_loop_join returned */
    bool drained;     /* every connection closed, so the context may be disposed */
    sem_t attached;   /* posted by the thread once its context is ready or failed */
    sem_t stopped;    /* posted by the thread after draining */
    sem_t dispose_requested;
    const lk_event_loop_setup_t *setup; /* valid only while the thread starts */
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
struct lk_event_loop_setup {
    lk_app_t *app;
    h2o_globalconf_t *globalconf;
    SSL_CTX *tls;
    const int *listen_fds;
    const bool *listen_tls;
    size_t listen_count;
    atomic_bool *stopping;
};

/*
 * Starts the loop's thread, which creates the loop's h2o context, and waits until it is
 * ready. `setup` is read only until this returns. Returns 0, or -1 (nothing left running).
 */
__attribute__((warn_unused_result)) int lk_event_loop_start(lk_event_loop_t *loop, size_t index,
                                                            const lk_event_loop_setup_t *setup);

/* Wakes the loop so that it notices the stop flag. Safe from any thread. */
void lk_event_loop_wake(lk_event_loop_t *loop);

/* Waits until the loop has stopped serving and drained its connections. */
void lk_event_loop_join(lk_event_loop_t *loop);

/*
 * Lets the loop's thread free its h2o context and evloop, and joins the thread. Call it
 * after the worker pool has stopped, so that no worker reply reaches a freed queue.
 */
void lk_event_loop_dispose(lk_event_loop_t *loop);

/* The h2o handler that turns every request into an lk_request_t and dispatches it. */
int lk_event_loop_on_request(h2o_handler_t *handler, h2o_req_t *req);

#endif
