/*
 * Extra `latchkey serve` instances started by an integration test with its own settings
 * (another database, other master keys), next to the two instances that tests/run.sh
 * starts. Each listens on 127.0.0.1 only, on a port that tests/run.sh reserves for the
 * test, and logs to LK_TEST_RUN_DIR/server-<name>.log.
 */
#ifndef LK_TEST_SERVER_H
#define LK_TEST_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

struct lk_test_server {
    pid_t pid;           /* 0 when not running */
    char log_path[1024];
    char base_url[256];
};

/*
 * Starts LK_TEST_LATCHKEY serve with the test's environment changed by ENVIRONMENT, a
 * NULL-terminated list of "NAME=VALUE" entries ("NAME=" unsets NAME). Truncates the log
 * first. Waits up to 20 seconds for BASE_URL/healthz to return 200 and returns 0, or
 * returns the exit status when the server exits during start-up. Fails the test when it
 * does neither in time.
 */
int lk_test_server_start(struct lk_test_server *server, const char *name, const char *base_url,
                         const char *const *environment);

/* Stops the server with SIGTERM, as an orchestrator does, and returns its exit status
 * (128 + the signal number if a signal ended it). Returns 0 if it was not running. */
int lk_test_server_stop(struct lk_test_server *server);

/* Stops every server still running; for a group teardown after a failed test. */
void lk_test_servers_stop_all(void);

/* Returns true when the server's log contains TEXT. */
bool lk_test_server_log_contains(const struct lk_test_server *server, const char *text);

#endif
