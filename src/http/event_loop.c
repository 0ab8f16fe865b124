/* Event-loop threads; see event_loop.h. */
#include "http/event_loop.h"

#include "core/log.h"
#include "http/request.h"
#include "http/router.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRAIN_TIMEOUT_MS 10000
#define ACCEPTS_PER_WAKEUP 64

static void on_accept(h2o_socket_t *listener, const char *error)
{
    if (error != NULL)
        return;

    lk_listener_handle_t *handle = listener->data;
    lk_event_loop_t *loop = handle->loop;
    h2o_accept_ctx_t *accept_context = handle->tls ? &loop->accept_tls : &loop->accept_plain;

    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        h2o_socket_t *connection = h2o_evloop_socket_accept(listener);
        if (connection == NULL)
            break;
        h2o_accept(accept_context, connection);
    }
}

static void on_wakeup(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    (void)messages; /* wake-ups carry no message because the loop reads the stop flag */
}

/* Accepts a client's X-Request-Id of 1..64 characters from [A-Za-z0-9._-]. */
static bool is_acceptable_request_id(h2o_iovec_t value)
{
    if (value.len == 0 || value.len > LK_REQUEST_ID_MAX_LENGTH)
        return false;
    for (size_t i = 0; i < value.len; i++) {
        char c = value.base[i];
        bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!allowed)
            return false;
    }
    return true;
}

static void assign_request_id(lk_request_t *request)
{
    h2o_iovec_t supplied = lk_request_header(request, "x-request-id");
    if (is_acceptable_request_id(supplied)) {
        memcpy(request->request_id, supplied.base, supplied.len);
        request->request_id[supplied.len] = '\0';
        return;
    }

    unsigned char random[16];
    randombytes_buf(random, sizeof(random));
    sodium_bin2hex(request->request_id, sizeof(request->request_id), random, sizeof(random));
}

/* X-Forwarded-For header lines read per request; later lines are ignored. */
#define FORWARDED_FOR_MAX_LINES 8

/* Resolves the client address from the peer and, behind a trusted proxy, X-Forwarded-For. */
static void assign_client_ip(lk_request_t *request)
{
    struct sockaddr_storage peer;
    h2o_conn_t *connection = request->req->conn;
    socklen_t length = connection->callbacks->get_peername(connection, (struct sockaddr *)&peer);

    h2o_iovec_t forwarded_for[FORWARDED_FOR_MAX_LINES];
    size_t line_count = 0;
    const h2o_headers_t *headers = &request->req->headers;
    ssize_t index = -1;
    while (line_count < FORWARDED_FOR_MAX_LINES &&
           (index = h2o_find_header_by_str(headers, H2O_STRLIT("x-forwarded-for"), index)) != -1)
        forwarded_for[line_count++] = headers->entries[index].value;

    lk_client_address_resolve(request->app->trusted_proxies,
                              length > 0 ? (struct sockaddr *)&peer : NULL, forwarded_for,
                              line_count, &request->client_address);
    memcpy(request->client_ip, request->client_address.text, sizeof(request->client_ip));
}

/* Runs when h2o frees the request: a job still in flight must not respond to it any more. */
static void on_request_disposed(void *data)
{
    lk_request_t *request = data;
    if (request->pending_job != NULL)
        request->pending_job->request = NULL;
    atomic_fetch_sub(&request->app->requests_in_flight, 1);
}

int lk_event_loop_on_request(h2o_handler_t *handler, h2o_req_t *req)
{
    (void)handler;
    lk_event_loop_t *loop = H2O_STRUCT_FROM_MEMBER(lk_event_loop_t, context, req->conn->ctx);

    lk_request_t *request = h2o_mem_alloc_shared(&req->pool, sizeof(*request),
                                                 on_request_disposed);
    memset(request, 0, sizeof(*request));
    request->req = req;
    request->app = loop->app;
    request->reply_to = &loop->replies;
    clock_gettime(CLOCK_MONOTONIC, &request->started);
    atomic_fetch_add(&loop->app->requests_in_flight, 1);

    assign_request_id(request);
    assign_client_ip(request);
    lk_router_dispatch(request);
    return 0;
}

static int open_listener_handles(lk_event_loop_t *loop, const lk_event_loop_setup_t *setup)
{
    for (size_t i = 0; i < setup->listen_count; i++) {
        int fd = dup(setup->listen_fds[i]);
        if (fd == -1)
            return -1;

        lk_listener_handle_t *handle = &loop->listeners[i];
        handle->loop = loop;
        handle->tls = setup->listen_tls[i];
        handle->socket = h2o_evloop_socket_create(loop->context.loop, fd,
                                                  H2O_SOCKET_FLAG_DONT_READ);
        handle->socket->data = handle;
        h2o_socket_read_start(handle->socket, on_accept);
        loop->listener_count++;
    }
    return 0;
}

static void close_listener_handles(lk_event_loop_t *loop)
{
    for (size_t i = 0; i < loop->listener_count; i++) {
        h2o_socket_read_stop(loop->listeners[i].socket);
        h2o_socket_close(loop->listeners[i].socket);
    }
    loop->listener_count = 0;
}

static int64_t monotonic_milliseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* True while any of the context's timers still has entries (connections or GOAWAY resends). */
static bool has_pending_timers(h2o_context_t *context)
{
    h2o_timeout_t *timers[] = {
        &context->zero_timeout,         &context->one_sec_timeout,
        &context->hundred_ms_timeout,   &context->handshake_timeout,
        &context->http1.req_timeout,    &context->http2.idle_timeout,
        &context->http2.graceful_shutdown_timeout, &context->proxy.io_timeout,
    };
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        if (!h2o_linklist_is_empty(&timers[i]->_entries))
            return true;
    }
    return false;
}

/*
 * Stops accepting, requests that connections close, and runs until every request has finished
 * and h2o has closed its connections (HTTP/2 resends GOAWAY after a second), or until the
 * drain timeout. Returns true when the context is idle and may be disposed.
 */
static bool drain(lk_event_loop_t *loop)
{
    close_listener_handles(loop);
    h2o_context_request_shutdown(&loop->context);

    int64_t deadline = monotonic_milliseconds() + DRAIN_TIMEOUT_MS;
    while ((atomic_load(&loop->app->requests_in_flight) > 0 ||
            has_pending_timers(&loop->context)) &&
           monotonic_milliseconds() < deadline)
        h2o_evloop_run(loop->context.loop, 100);

    return !has_pending_timers(&loop->context);
}

/* Registers the receivers and the listening sockets of a loop whose context is ready. */
static int attach_loop(lk_event_loop_t *loop, const lk_event_loop_setup_t *setup)
{
    loop->accept_tls.ctx = &loop->context;
    loop->accept_tls.hosts = setup->globalconf->hosts;
    loop->accept_tls.ssl_ctx = setup->tls;
    loop->accept_plain.ctx = &loop->context;
    loop->accept_plain.hosts = setup->globalconf->hosts;

    h2o_multithread_register_receiver(loop->context.queue, &loop->replies,
                                      lk_worker_pool_on_replies);
    h2o_multithread_register_receiver(loop->context.queue, &loop->wakeups, on_wakeup);
    if (open_listener_handles(loop, setup) != 0) {
        close_listener_handles(loop);
        return -1;
    }
    return 0;
}

/* Frees the context, its queue and its evloop. Runs on the loop's own thread. */
static void dispose_context(lk_event_loop_t *loop)
{
    h2o_evloop_t *evloop = loop->context.loop;
    h2o_multithread_queue_t *queue = loop->context.queue;
    h2o_multithread_unregister_receiver(loop->context.queue, &loop->replies);
    h2o_multithread_unregister_receiver(loop->context.queue, &loop->wakeups);
    h2o_context_dispose(&loop->context);

    /* h2o_context_dispose closes the queue's socket, which the evloop frees only on its
     * next turn. The queue struct itself is never freed by h2o 2.2.5's evloop flavour. */
    h2o_evloop_run(evloop, 0);
    free(queue);
    h2o_evloop_destroy(evloop);
}

/*
 * The loop thread: it creates its own h2o context, serves until the stop flag is set,
 * drains, and after lk_event_loop_dispose disposes the context. Every h2o object of the
 * loop is created and freed on this thread. h2o 2.2.5 ties each socket buffer to the
 * per-thread recycle list of the thread that created the socket, so a worker-reply queue
 * made on the main thread made all loops share the main thread's list without a lock,
 * which corrupted the heap under load.
 */
static void *run_event_loop(void *argument)
{
    lk_event_loop_t *loop = argument;

    h2o_context_init(&loop->context, h2o_evloop_create(), loop->setup->globalconf);
    loop->start_failed = attach_loop(loop, loop->setup) != 0;
    if (loop->start_failed)
        dispose_context(loop);
    sem_post(&loop->attached);
    if (loop->start_failed)
        return NULL;

    while (!atomic_load(loop->stopping))
        h2o_evloop_run(loop->context.loop, INT32_MAX);

    loop->drained = drain(loop);
    if (!loop->drained)
        lk_log_warn("shutdown: event loop %zu still had open connections after %d ms",
                    loop->index, DRAIN_TIMEOUT_MS);
    sem_post(&loop->stopped);

    /* h2o aborts when a context with live connections is disposed, so an undrained loop
     * is left to the process exit instead. */
    sem_wait(&loop->dispose_requested);
    if (loop->drained)
        dispose_context(loop);
    return NULL;
}

static void destroy_semaphores(lk_event_loop_t *loop)
{
    sem_destroy(&loop->attached);
    sem_destroy(&loop->stopped);
    sem_destroy(&loop->dispose_requested);
}

int lk_event_loop_start(lk_event_loop_t *loop, size_t index, const lk_event_loop_setup_t *setup)
{
    memset(loop, 0, sizeof(*loop));
    loop->index = index;
    loop->app = setup->app;
    loop->stopping = setup->stopping;
    loop->setup = setup;
    sem_init(&loop->attached, 0, 0);
    sem_init(&loop->stopped, 0, 0);
    sem_init(&loop->dispose_requested, 0, 0);

    if (pthread_create(&loop->thread, NULL, run_event_loop, loop) != 0) {
        destroy_semaphores(loop);
        return -1;
    }
    while (sem_wait(&loop->attached) != 0)
        ;
    loop->setup = NULL; /* the caller's setup may go away now */
    if (loop->start_failed) {
        pthread_join(loop->thread, NULL);
        destroy_semaphores(loop);
        return -1;
    }
    loop->started = true;
    return 0;
}

void lk_event_loop_wake(lk_event_loop_t *loop)
{
    h2o_multithread_send_message(&loop->wakeups, NULL);
}

void lk_event_loop_join(lk_event_loop_t *loop)
{
    if (!loop->started || loop->joined)
        return;
    while (sem_wait(&loop->stopped) != 0)
        ;
    loop->joined = true;
}

void lk_event_loop_dispose(lk_event_loop_t *loop)
{
    if (!loop->started)
        return;
    lk_event_loop_join(loop);
    sem_post(&loop->dispose_requested);
    pthread_join(loop->thread, NULL);
    destroy_semaphores(loop);
    loop->started = false;
}
