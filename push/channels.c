#include "push/channels.h"

#include <stdio.h>
#include <string.h>

#include "push/channel.h"

extern const push_channel channel_sms, channel_apns, channel_hms, channel_jpush, channel_wechat,
    channel_webhook, channel_haocha;

const push_channel *const push_channels[] = {
    &channel_sms,    &channel_apns,    &channel_hms,    &channel_jpush,
    &channel_wechat, &channel_webhook, &channel_haocha,
};
const size_t push_channels_count = sizeof push_channels / sizeof push_channels[0];

const push_channel *push_channel_named(const char *name)
{
    for (size_t i = 0; name && i < push_channels_count; i++)
        if (strcmp(push_channels[i]->name, name) == 0)
            return push_channels[i];
    return NULL;
}

bool push_platform_known(const char *name)
{
    const push_channel *ch = push_channel_named(name);
    return ch && ch->device;
}

void push_platforms_join(char *out, size_t cap, const char *sep, const char *last_sep)
{
    size_t len = 0, left = 0;
    out[0] = '\0';
    for (size_t i = 0; i < push_channels_count; i++)
        left += push_channels[i]->device;
    for (size_t i = 0; i < push_channels_count && len < cap; i++) {
        if (!push_channels[i]->device)
            continue;
        left--;
        const char *before = len == 0 ? "" : left == 0 ? last_sep : sep;
        len += (size_t)snprintf(out + len, cap - len, "%s%s", before, push_channels[i]->name);
    }
}
