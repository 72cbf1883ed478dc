#include "core/client_key.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void client_key_of(const char *addr, char *out, size_t len)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, addr, a) == 1) { /* dotted decimal without leading zeros: as is */
        snprintf(out, len, "%s", addr);
        return;
    }
    if (inet_pton(AF_INET6, addr, a) != 1) {
        snprintf(out, len, "%s", addr);
        return;
    }
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, v4_mapped, sizeof v4_mapped) == 0 &&
        inet_ntop(AF_INET, a + 12, text, sizeof text)) {
        snprintf(out, len, "%s", text);
        return;
    }
    memset(a + 8, 0, 8); /* the interface half: the subscriber chooses it freely */
    if (inet_ntop(AF_INET6, a, text, sizeof text))
        snprintf(out, len, "%s/64", text);
    else
        snprintf(out, len, "%s", addr);
}
