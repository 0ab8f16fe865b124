/*
 * Schema migrations: the files of sql/, compiled into the binary by
 * cmake/embed_migrations.cmake, applied in version order by lk_migrations_apply.
 */
#ifndef LK_STORE_MIGRATIONS_H
#define LK_STORE_MIGRATIONS_H

#include <libpq-fe.h>
#include <stddef.h>

typedef struct lk_migration {
    int version;      /* the number that starts the file name */
    const char *name; /* the file name, "001_initial.sql" */
    const char *sql;
} lk_migration_t;

extern const lk_migration_t lk_migrations[];
extern const size_t lk_migration_count;

/*
 * Applies every migration newer than the recorded schema version, each in its own
 * transaction, holding a session advisory lock so that concurrent runs apply each
 * migration exactly once. Stores the number applied in `applied`. Returns 0, or -1 with a
 * one-line reason in `error`.
 */
__attribute__((warn_unused_result)) int lk_migrations_apply(PGconn *connection, int *applied,
                                                            char *error, size_t error_size);

#endif
