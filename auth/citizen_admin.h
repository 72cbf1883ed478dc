/* onewindow-admin unbind-identity --citizen ID --reason TEXT: an operator's answer to a
 * disputed real-name binding (API.md §3): the citizen's real name and ID number are removed,
 * the assurance level is back to 1, every session of the account ends, and the audit log
 * records who did it and why; the real owner may then bind the ID number. Returns the exit
 * status (1: no such citizen or no binding; 2: bad arguments). */
#ifndef OW_CITIZEN_ADMIN_H
#define OW_CITIZEN_ADMIN_H

int citizen_admin_unbind(int argc, char **argv);

#endif
