#include "storage/clamd.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CHUNK_BYTES 65536
#define TIMEOUT_S 30

static int connect_to(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        return -1;
    strcpy(addr.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {TIMEOUT_S, 0};
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    return s;
}

static int send_all(int s, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = send(s, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The command, the file in length-prefixed chunks, and the zero length that ends it. */
static int stream_file(int s, int fd)
{
    static const char command[] = "zINSTREAM"; /* sent with its NUL */
    char buf[CHUNK_BYTES];
    if (send_all(s, command, sizeof command) != 0)
        return -1;
    off_t pos = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, pos);
        if (n < 0)
            return -1;
        uint32_t len = htonl((uint32_t)n);
        if (send_all(s, &len, 4) != 0)
            return -1;
        if (n == 0)
            return 0;
        if (send_all(s, buf, (size_t)n) != 0)
            return -1;
        pos += n;
    }
}

clamd_verdict clamd_scan(const char *socket_path, int fd)
{
    int s = connect_to(socket_path);
    if (s < 0)
        return CLAMD_FAILED;
    char reply[256];
    size_t got = 0;
    clamd_verdict v = CLAMD_FAILED;
    if (stream_file(s, fd) == 0) {
        ssize_t k;
        while (got < sizeof reply - 1 && (k = recv(s, reply + got, sizeof reply - 1 - got, 0)) > 0)
            got += (size_t)k;
        reply[got] = '\0';
        if (strstr(reply, "FOUND"))
            v = CLAMD_INFECTED;
        else if (strncmp(reply, "stream: OK", 10) == 0)
            v = CLAMD_CLEAN;
    }
    close(s);
    return v;
}
