/* A delivery channel of onewindow-pushd (API.md §6): turns one claimed outbox row into an
 * outcome (done, retry, dead, gone). Each channel lives in its own file (channel_sms.c …). */
#ifndef OW_PUSH_CHANNEL_H
#define OW_PUSH_CHANNEL_H

#include "core/arena.h"
#include "db/outbox_store.h"

typedef struct push_outcome {
    outbox_outcome outcome;
    const char *error; /* a short reason, never personal data */
    bool permanent;    /* a failure that no retry can fix (dead at once) */
} push_outcome;

/* sms: the citizen's phone (opened from its sealed form) through the configured provider:
 * `log` appends a JSON line to <var_dir>/sms-notifications.jsonl, `http` posts to sms_url. */
push_outcome channel_sms_send(const outbox_row *row, arena *a);

#endif
