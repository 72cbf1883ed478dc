/* The client a per-client limit counts (README "Client IP"): its IPv4 address, or for IPv6
 * its /64 — one subscriber's network, inside which an address costs nothing to change. */
#ifndef OW_CLIENT_KEY_H
#define OW_CLIENT_KEY_H

#include <stddef.h>

#define CLIENT_KEY_BYTES 48 /* an IPv6 prefix in text, "/64" and the NUL */

/* Fills out with the key of addr (nginx's $remote_addr: real_ip has already replaced a
 * trusted proxy's address with the client's): "192.0.2.7", "2001:db8:1:2::/64" (an
 * IPv4-mapped IPv6 address counts as its IPv4). Anything else is kept as given, cut to fit. */
void client_key_of(const char *addr, char *out, size_t len);

#endif
