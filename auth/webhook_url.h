/* An organization's webhook URL, checked when it is set (API.md §7): an absolute https URL
 * (http too when webhook_allow_http = 1, development) of at most 512 characters, without
 * credentials, whose host resolves only to public addresses (core/netaddr.c) unless
 * webhook_allow_private = 1. onewindow-pushd checks each connection's address again
 * (push/channel_webhook.c), so that a DNS answer that changes later cannot aim it at the
 * operator's network. */
#ifndef OW_WEBHOOK_URL_H
#define OW_WEBHOOK_URL_H

#include <stddef.h>

#include "core/config.h"

#define WEBHOOK_URL_MAX 512

/* 0 when url may be used, else -1 with the reason in why. */
int webhook_url_check(const char *url, const ow_config *cfg, char *why, size_t cap);

#endif
