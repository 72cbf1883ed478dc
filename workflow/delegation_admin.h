/* onewindow-admin delegate --service CODE --org ID --from YYYY-MM-DD --to YYYY-MM-DD and
 * revoke-delegation ID (API.md §7): the operator's side of workflow/delegations.c, for any
 * department's service, audited as the operator. Each returns the exit status. */
#ifndef OW_DELEGATION_ADMIN_H
#define OW_DELEGATION_ADMIN_H

int delegation_admin_delegate(int argc, char **argv);
int delegation_admin_revoke(int argc, char **argv);

#endif
