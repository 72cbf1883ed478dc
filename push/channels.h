/* The delivery channels of onewindow-pushd, in one table (push/channels.c). A new channel is
 * its file (push/channel_NAME.c, defining a push_channel) and one entry in that table: pushd
 * claims and sends its outbox rows, push_channels = all serves it, and a channel marked
 * device is a platform that POST /api/v1/devices accepts. This header needs no libcurl. */
#ifndef OW_PUSH_CHANNELS_H
#define OW_PUSH_CHANNELS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct push_channel push_channel; /* push/channel.h */

extern const push_channel *const push_channels[];
extern const size_t push_channels_count;

/* The channel of that name (outbox.channel), or NULL. */
const push_channel *push_channel_named(const char *name);
/* Whether devices register under this name (a device channel). */
bool push_platform_known(const char *name);
/* The device platforms' names joined into out: sep between them, last_sep before the last
 * ("apns、hms 或 jpush"). */
void push_platforms_join(char *out, size_t cap, const char *sep, const char *last_sep);

#endif
