/* Reading "--name value" options of onewindow-admin commands. */
#ifndef OW_CLI_H
#define OW_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* The value after --name among argv[2..] (argv[1] is the command), or NULL. */
const char *cli_option(int argc, char **argv, const char *name);
/* "--name N" with N a whole number in [min, max] into *value; absent: *value untouched. False
 * when present but not such a number. */
bool cli_number_option(int argc, char **argv, const char *name, long long min, long long max,
                       long long *value);
/* Who runs the command, for the audit log: the user sudo was run by, else the process's user
 * (at most cap - 1 bytes; "operator" when neither is known). */
void cli_operator(char *out, size_t cap);
/* An operator's reason for the audit log: 1..200 bytes of UTF-8 without control characters. */
bool cli_reason_ok(const char *reason);

#endif
