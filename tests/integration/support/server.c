/* Extra server instances for the integration tests; see server.h. */
#include "support/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "support/http_client.h"

enum { MAX_SERVERS = 8, START_TIMEOUT_MS = 20000, STOP_TIMEOUT_MS = 30000, POLL_MS = 100 };

/* Every server started and not yet stopped, for lk_test_servers_stop_all. */
static struct lk_test_server *running[MAX_SERVERS];

static void sleep_milliseconds(long milliseconds)
{
    struct timespec duration = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
    nanosleep(&duration, NULL);
}

/* Discards a response body. */
static size_t discard_body(char *data, size_t size, size_t count, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * count;
}

/* Returns the status of GET BASE_URL/healthz, or 0 when the request fails. */
static long probe_health(const char *base_url)
{
    char url[512];
    long status = 0;
    CURL *curl = curl_easy_init();

    if (curl == NULL) {
        return 0;
    }
    snprintf(url, sizeof(url), "%s/healthz", base_url);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, lk_test_env("LK_TEST_CA_FILE"));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 2L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(curl);
    return status;
}

/* In the child: applies ENVIRONMENT, redirects the output to LOG_PATH and runs the server. */
static void exec_server(const char *log_path, const char *const *environment)
{
    const char *binary = lk_test_env("LK_TEST_LATCHKEY");
    char *const argv[] = {(char *)binary, "serve", NULL};
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

    for (size_t i = 0; environment != NULL && environment[i] != NULL; i++) {
        char name[128];
        const char *equals = strchr(environment[i], '=');
        size_t length = equals != NULL ? (size_t)(equals - environment[i]) : 0;

        if (length == 0 || length >= sizeof(name)) {
            _exit(126);
        }
        memcpy(name, environment[i], length);
        name[length] = '\0';
        if (equals[1] == '\0') {
            unsetenv(name);
        } else {
            setenv(name, equals + 1, 1);
        }
    }
    if (log < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(log, STDOUT_FILENO) < 0 ||
        dup2(log, STDERR_FILENO) < 0) {
        _exit(126);
    }
    execv(binary, argv);
    _exit(127);
}

static void track(struct lk_test_server *server, bool add)
{
    for (size_t i = 0; i < MAX_SERVERS; i++) {
        if (add && running[i] == NULL) {
            running[i] = server;
            return;
        }
        if (!add && running[i] == server) {
            running[i] = NULL;
            return;
        }
    }
    assert_false(add);
}

/* Converts a waitpid status into an exit code. */
static int exit_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int lk_test_server_start(struct lk_test_server *server, const char *name, const char *base_url,
                         const char *const *environment)
{
    int status = 0;

    memset(server, 0, sizeof(*server));
    snprintf(server->log_path, sizeof(server->log_path), "%s/server-%s.log",
             lk_test_env("LK_TEST_RUN_DIR"), name);
    snprintf(server->base_url, sizeof(server->base_url), "%s", base_url);
    FILE *log = fopen(server->log_path, "w");
    assert_non_null(log);
    fclose(log);

    server->pid = fork();
    assert_true(server->pid >= 0);
    if (server->pid == 0) {
        exec_server(server->log_path, environment);
    }
    track(server, true);

    for (long waited = 0; waited < START_TIMEOUT_MS; waited += POLL_MS) {
        if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
            track(server, false);
            server->pid = 0;
            return exit_code(status);
        }
        if (probe_health(base_url) == 200) {
            return 0;
        }
        sleep_milliseconds(POLL_MS);
    }
    fail_msg("latchkey serve (%s) neither answered %s/healthz nor exited within %d ms; see %s",
             name, base_url, START_TIMEOUT_MS, server->log_path);
    return -1;
}

int lk_test_server_stop(struct lk_test_server *server)
{
    int status = 0;

    if (server->pid == 0) {
        return 0;
    }
    kill(server->pid, SIGTERM);
    for (long waited = 0; waited < STOP_TIMEOUT_MS; waited += POLL_MS) {
        if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
            track(server, false);
            server->pid = 0;
            return exit_code(status);
        }
        sleep_milliseconds(POLL_MS);
    }
    kill(server->pid, SIGKILL);
    waitpid(server->pid, &status, 0);
    track(server, false);
    server->pid = 0;
    return exit_code(status);
}

void lk_test_servers_stop_all(void)
{
    for (size_t i = 0; i < MAX_SERVERS; i++) {
        if (running[i] != NULL) {
            lk_test_server_stop(running[i]);
        }
    }
}

bool lk_test_server_log_contains(const struct lk_test_server *server, const char *text)
{
    FILE *file = fopen(server->log_path, "r");
    char line[4096];
    bool found = false;

    if (file == NULL) {
        return false;
    }
    while (!found && fgets(line, sizeof(line), file) != NULL) {
        found = strstr(line, text) != NULL;
    }
    fclose(file);
    return found;
}
