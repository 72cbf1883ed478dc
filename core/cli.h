/* Reading "--name value" options of onewindow-admin commands. */
#ifndef OW_CLI_H
#define OW_CLI_H

/* The value after --name among argv[2..] (argv[1] is the command), or NULL. */
const char *cli_option(int argc, char **argv, const char *name);

/* Who runs the command (the user sudo ran it for, else the process's user): the actor of
 * the operator's lines in the audit log. */
const char *cli_operator(void);

#endif
