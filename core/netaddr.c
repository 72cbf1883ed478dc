#include "core/netaddr.h"

#include <string.h>

#include <netinet/in.h>

typedef struct v4_block {
    uint8_t net[4];
    int bits;
} v4_block;

/* IANA IPv4 Special-Purpose Address Registry (RFC 6890 and later), and multicast and the
 * reserved class E: none of them is a place a webhook may go. */
static const v4_block v4_special[] = {
    {{0, 0, 0, 0}, 8},       /* "this network" */
    {{10, 0, 0, 0}, 8},      /* private (RFC 1918) */
    {{100, 64, 0, 0}, 10},   /* carrier-grade NAT (RFC 6598) */
    {{127, 0, 0, 0}, 8},     /* loopback */
    {{169, 254, 0, 0}, 16},  /* link-local (cloud metadata services live here) */
    {{172, 16, 0, 0}, 12},   /* private */
    {{192, 0, 0, 0}, 24},    /* IETF protocol assignments */
    {{192, 0, 2, 0}, 24},    /* documentation */
    {{192, 88, 99, 0}, 24},  /* 6to4 relay anycast */
    {{192, 168, 0, 0}, 16},  /* private */
    {{198, 18, 0, 0}, 15},   /* benchmarking */
    {{198, 51, 100, 0}, 24}, /* documentation */
    {{203, 0, 113, 0}, 24},  /* documentation */
    {{224, 0, 0, 0}, 4},     /* multicast */
    {{240, 0, 0, 0}, 4},     /* reserved, and the broadcast address */
};

static bool in_prefix(const uint8_t *a, const uint8_t *net, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (net[whole] & mask);
}

bool netaddr_public_v4(const uint8_t a[4])
{
    for (size_t i = 0; i < sizeof v4_special / sizeof v4_special[0]; i++)
        if (in_prefix(a, v4_special[i].net, v4_special[i].bits))
            return false;
    return true;
}

bool netaddr_public_v6(const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t ietf[3] = {0x20, 0x01, 0x00}, six_to_four[2] = {0x20, 0x02};
    static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8};
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return netaddr_public_v4(a + 12);
    if (in_prefix(a, six_to_four, 16)) /* 2002:V4ADDR::/48 */
        return netaddr_public_v4(a + 2);
    /* global unicast is 2000::/3; inside it 2001::/23 (Teredo, ORCHID …) and the
     * documentation block are special. Everything else (::1, fc00::/7, fe80::/10,
     * ff00::/8, 100::/64 …) lies outside 2000::/3. */
    if ((a[0] & 0xe0) != 0x20)
        return false;
    return !in_prefix(a, ietf, 23) && !in_prefix(a, doc, 32);
}

bool netaddr_public(const struct sockaddr *sa)
{
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return netaddr_public_v4((const uint8_t *)&in->sin_addr);
    }
    if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return netaddr_public_v6(in6->sin6_addr.s6_addr);
    }
    return false;
}
