/* Whether an IP address is on the public Internet: the check that keeps webhooks (API.md §7)
 * from being aimed into the operator's own network (loopback, private, link-local, carrier
 * NAT, documentation, multicast and the other special-purpose blocks of RFC 6890 and the
 * IANA registries). Pure: no resolution here. */
#ifndef OW_NETADDR_H
#define OW_NETADDR_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/socket.h>

/* An IPv4 address in network order (the bytes of struct in_addr). */
bool netaddr_public_v4(const uint8_t a[4]);
/* An IPv6 address (16 bytes); IPv4-mapped, NAT64 and 6to4 ones are judged by the IPv4
 * address inside. */
bool netaddr_public_v6(const uint8_t a[16]);
/* AF_INET or AF_INET6 (anything else is not public). */
bool netaddr_public(const struct sockaddr *sa);

#endif
