/* onewindow-admin create-staff --username U --password P --department CODE: a staff account
 * of a catalog department (password argon2id-hashed). Prints "id: …" and "username: …";
 * returns the exit status (2 for bad arguments). */
#ifndef OW_STAFF_ADMIN_H
#define OW_STAFF_ADMIN_H

int staff_admin_create(int argc, char **argv);

#endif
