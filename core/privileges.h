/* Least privilege (README "Privileges"): a service started as root keeps root only to open
 * what needs it (the FastCGI sockets), then runs as its own unprivileged account. */
#ifndef OW_PRIVILEGES_H
#define OW_PRIVILEGES_H

#include <stddef.h>
#include <sys/types.h>

/* The uid of user and the gid of group, both required to exist and to be other than root's.
 * Returns 0, or -1 with a message in err. */
int privileges_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
                      size_t errlen);

/* When the process runs as root: drops every supplementary group, then switches to user's
 * uid and primary gid for good (saved ids included). Without root it does nothing. Returns
 * 0, or -1 with a message in err (the caller must then stop). */
int privileges_drop(const char *user, char *err, size_t errlen);

#endif
