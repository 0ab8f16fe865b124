/* Command runner for the integration tests; see command.h. */
#include "support/command.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/http_client.h"

enum { MAX_ARGUMENTS = 16 };

/* Returns an unlinked temporary file holding TEXT (may be NULL), positioned at its start. */
static FILE *temporary_file_with(const char *text)
{
    FILE *file = tmpfile();

    assert_non_null(file);
    if (text != NULL) {
        assert_int_equal(fwrite(text, 1, strlen(text), file), strlen(text));
    }
    assert_int_equal(fflush(file), 0);
    rewind(file);
    return file;
}

/* Reads the whole of FILE from its start into a new NUL-terminated string. */
static char *read_all(FILE *file)
{
    long length;
    char *text;

    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    length = ftell(file);
    assert_true(length >= 0);
    rewind(file);
    text = malloc((size_t)length + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)length, file), (size_t)length);
    text[length] = '\0';
    return text;
}

void lk_test_run_latchkey(const char *const *arguments, const char *standard_input,
                          struct lk_test_command_result *result)
{
    const char *binary = lk_test_env("LK_TEST_LATCHKEY");
    char *argv[MAX_ARGUMENTS + 2] = {(char *)binary};
    FILE *input = temporary_file_with(standard_input);
    FILE *output = temporary_file_with(NULL);
    FILE *error = temporary_file_with(NULL);
    size_t count = 0;
    pid_t child;
    int status = 0;

    while (arguments[count] != NULL) {
        assert_true(count < MAX_ARGUMENTS);
        argv[count + 1] = (char *)arguments[count];
        count++;
    }

    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        dup2(fileno(input), STDIN_FILENO);
        dup2(fileno(output), STDOUT_FILENO);
        dup2(fileno(error), STDERR_FILENO);
        execv(binary, argv);
        _exit(127);
    }
    assert_int_equal(waitpid(child, &status, 0), child);

    result->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result->standard_output = read_all(output);
    result->standard_error = read_all(error);
    fclose(input);
    fclose(output);
    fclose(error);
}

void lk_test_command_result_dispose(struct lk_test_command_result *result)
{
    free(result->standard_output);
    free(result->standard_error);
    result->standard_output = NULL;
    result->standard_error = NULL;
}
