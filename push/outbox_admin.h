/* outbox --dead | --requeue ID | --requeue --all-dead (API.md §9): the deliveries that ran
 * out of tries, and giving them another round. */
#ifndef OW_OUTBOX_ADMIN_H
#define OW_OUTBOX_ADMIN_H

int outbox_admin(int argc, char **argv);

#endif
