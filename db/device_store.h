/* SQL of where a citizen's notifications go (API.md §6, migration 0010): push devices,
 * WeChat one-time subscribe grants and the citizen's channel settings. What is written here
 * is what db/notification_store.c fans a notification out to. */
#ifndef OW_DEVICE_STORE_H
#define OW_DEVICE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define DEVICE_TOKEN_HASH_BYTES 32

typedef struct device_new {
    int64_t citizen_id;
    const char *platform; /* apns | hms | jpush */
    const char *token;
    const uint8_t *token_hash; /* SHA-256 of token: the row is found by it */
} device_new;

/* Inside c's open transaction: registers the token for the citizen, or finds it again. A
 * token of another citizen moves to this one; an inactive row comes back. DB_OK with *id, or
 * with *id 0 when the citizen already has max_active other active devices (nothing written);
 * or a failure. */
int device_register(db_conn *c, arena *a, const device_new *d, int64_t max_active, int64_t *id);

/* Stops deliveries to the citizen's device (the row stays). DB_OK done or already inactive,
 * DB_NOT_FOUND no such device of this citizen, or a failure. */
int device_deactivate(db_conn *c, arena *a, int64_t citizen_id, int64_t id);

/* Inside c's open transaction: adds count grants of a subscribe-message template, keeping at
 * most cap; DB_OK with what remains now, or a db_status. */
int device_grant_add(db_conn *c, arena *a, int64_t citizen_id, const char *template_id,
                     int64_t count, int64_t cap, int64_t *remaining);

/* The citizen's channel settings; the defaults (push on, SMS off) when none are stored. */
int device_settings_read(db_conn *c, arena *a, int64_t citizen_id, bool *push, bool *sms);
int device_settings_write(db_conn *c, int64_t citizen_id, bool push, bool sms);

#endif
