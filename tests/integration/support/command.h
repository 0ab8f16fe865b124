/* Runs the `latchkey` command line for the integration tests and captures its output. */
#ifndef LK_TEST_COMMAND_H
#define LK_TEST_COMMAND_H

struct lk_test_command_result {
    int exit_status;        /* exit code, or 128 + signal number if a signal ended it */
    char *standard_output;  /* NUL-terminated */
    char *standard_error;   /* NUL-terminated */
};

/* Runs the binary named by LK_TEST_LATCHKEY with ARGUMENTS (NULL-terminated, without the
 * program name), writing STANDARD_INPUT (or nothing, if NULL) to its standard input. The
 * child inherits the environment, which tests/run.sh fills with the LATCHKEY_* settings.
 * Fails the test if the process cannot be started. */
void lk_test_run_latchkey(const char *const *arguments, const char *standard_input,
                          struct lk_test_command_result *result);

void lk_test_command_result_dispose(struct lk_test_command_result *result);

#endif
