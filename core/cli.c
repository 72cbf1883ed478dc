#include "core/cli.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unistr.h>

const char *cli_option(int argc, char **argv, const char *name)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

bool cli_number_option(int argc, char **argv, const char *name, long long min, long long max,
                       long long *value)
{
    const char *text = cli_option(argc, argv, name);
    if (!text)
        return true;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno || end == text || *end || n < min || n > max)
        return false;
    *value = n;
    return true;
}

void cli_operator(char *out, size_t cap)
{
    const char *name = getenv("SUDO_USER");
    struct passwd pw, *found = NULL;
    char buf[1024];
    if ((!name || !*name) && getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found)
        name = found->pw_name;
    snprintf(out, cap, "%s", name && *name ? name : "operator");
}

bool cli_reason_ok(const char *reason)
{
    size_t n = strlen(reason);
    if (n == 0 || n > 200 || u8_check((const uint8_t *)reason, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
            return false;
    return true;
}
