/* libFuzzer: the config reader (core/config.c): the input is the file ONEWINDOW_CONFIG
 * names (a memfd), read with every default and check. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/config.h"

extern char **environ;
static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (char **e = environ; *e;) { /* nothing of the environment may decide a setting */
        if (strncmp(*e, "ONEWINDOW_", 10) == 0) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
            unsetenv(name);
        } else {
            e++;
        }
    }
    fd = memfd_create("fuzz-config", 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    setenv("ONEWINDOW_CONFIG", path, 1);
    return fd < 0 ? -1 : 0;
}

static int discard(const char *line, void *ctx)
{
    (void)ctx;
    return (int)strlen(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    static ow_config cfg;
    char err[400], dsn[1024];
    if (config_load(&cfg, err, sizeof err) == 0) {
        config_print(&cfg, discard, NULL);
        config_primary_dsn(&cfg, dsn, sizeof dsn);
        config_owner_dsn(&cfg, dsn, sizeof dsn);
    } else if (!memchr(err, '\0', sizeof err)) {
        __builtin_trap();
    }
    return 0;
}
