/* Listening sockets; see listeners.h. */
#include "http/listeners.h"

#include "config/listen_address.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

static int bind_and_listen(const struct addrinfo *info)
{
    int fd = socket(info->ai_family, info->ai_socktype | SOCK_CLOEXEC, info->ai_protocol);
    if (fd == -1)
        return -1;

    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        (info->ai_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
        bind(fd, info->ai_addr, info->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int lk_listener_open(const lk_listen_address_t *address, char *error, size_t error_size)
{
    char text[128];
    lk_listen_address_to_url(address, text, sizeof(text));

    char port[8];
    snprintf(port, sizeof(port), "%u", address->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *found = NULL;
    int status = getaddrinfo(address->host, port, &hints, &found);
    if (status != 0) {
        snprintf(error, error_size, "cannot resolve listen address %s: %s", text,
                 gai_strerror(status));
        return -1;
    }

    int fd = bind_and_listen(found);
    int saved = errno;
    freeaddrinfo(found);
    if (fd == -1)
        snprintf(error, error_size, "cannot listen on %s: %s", text, strerror(saved));
    return fd;
}
