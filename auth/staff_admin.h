/* onewindow-admin create-staff --username U --password P --department CODE: a staff account
 * of a catalog department (password argon2id-hashed). Prints "id: …" and "username: …";
 * returns the exit status (2 for bad arguments). */
#ifndef OW_STAFF_ADMIN_H
#define OW_STAFF_ADMIN_H

int staff_admin_create(int argc, char **argv);
/* onewindow-admin unlock-staff --username U --reason TEXT: clears the wrong-password waits of
 * a staff username (auth/lockout.h), with an audit row (operator, staff.unlock, the reason).
 * Returns the exit status (1: no such staff; 2: bad arguments). */
int staff_admin_unlock(int argc, char **argv);

#endif
