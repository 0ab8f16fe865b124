/*
 * The outbox: messages (such as password-reset mails) written in the same transaction as the
 * change that causes them and delivered afterwards by the operator's mailer, which marks
 * each one sent. Inserting a message sends NOTIFY latchkey_outbox with its id.
 * Synchronous, for worker threads and the command line.
 */
#ifndef LK_STORE_OUTBOX_H
#define LK_STORE_OUTBOX_H

#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The channel of the NOTIFY that each new message sends. */
#define LK_OUTBOX_CHANNEL "latchkey_outbox"

/* Messages returned by one lk_store_outbox_list call at most, oldest first. */
#define LK_OUTBOX_LIST_MAX 1000

typedef struct lk_outbox_message {
    int64_t id;
    char kind[64];
    int64_t created_at; /* seconds since the epoch */
    int64_t sent_at;    /* 0 while unsent */
    char *payload;      /* JSON text, malloc'ed; may contain a live reset link */
} lk_outbox_message_t;

/*
 * Lists unsent messages (or all, with `include_sent`), oldest first, at most
 * LK_OUTBOX_LIST_MAX. The caller frees them with lk_store_outbox_messages_free.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_outbox_list(
    PGconn *connection, bool include_sent, lk_outbox_message_t **messages, size_t *count);

/* Frees the messages of lk_store_outbox_list, wiping their payloads. Accepts NULL. */
void lk_store_outbox_messages_free(lk_outbox_message_t *messages, size_t count);

/*
 * Marks an unsent message sent and removes its reset link from the stored payload, so that
 * the link no longer sits in the database. Returns LK_STORE_NOT_FOUND when no unsent message
 * has this id.
 */
__attribute__((warn_unused_result)) lk_store_result_t lk_store_outbox_mark_sent(
    PGconn *connection, int64_t id);

#endif
