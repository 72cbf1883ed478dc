#include "core/cli.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cli_option(int argc, char **argv, const char *name)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

const char *cli_operator(void)
{
    const char *sudo = getenv("SUDO_USER");
    if (sudo && *sudo && strlen(sudo) < 64)
        return sudo;
    const struct passwd *pw = getpwuid(geteuid());
    return pw && pw->pw_name && strlen(pw->pw_name) < 64 ? pw->pw_name : "unknown";
}
