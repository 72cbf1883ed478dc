#include "core/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privileges_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
                      size_t errlen)
{
    const struct passwd *pw = getpwnam(user);
    if (!pw || pw->pw_uid == 0) {
        snprintf(err, errlen, "service_user %s: %s", user,
                 pw ? "must not be root" : "no such user (scripts/stack.sh creates it)");
        return -1;
    }
    *uid = pw->pw_uid;
    if (!group)
        return 0;
    const struct group *gr = getgrnam(group);
    if (!gr || gr->gr_gid == 0) {
        snprintf(err, errlen, "socket_group %s: %s", group,
                 gr ? "must not be root's group" : "no such group (scripts/stack.sh creates it)");
        return -1;
    }
    *gid = gr->gr_gid;
    return 0;
}

int privileges_drop(const char *user, char *err, size_t errlen)
{
    if (geteuid() != 0 && getuid() != 0)
        return 0;
    uid_t uid;
    if (privileges_lookup(user, NULL, &uid, NULL, err, errlen) != 0)
        return -1;
    const struct passwd *pw = getpwnam(user);
    gid_t gid = pw->pw_gid;
    /* Groups first: once the uid is gone, so is the right to change them. */
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
        snprintf(err, errlen, "cannot switch to %s: %s", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0 || setgid(0) == 0) { /* root must be gone for good */
        snprintf(err, errlen, "could switch back to root after switching to %s", user);
        return -1;
    }
    return 0;
}
