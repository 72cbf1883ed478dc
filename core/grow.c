#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow_array(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    if (size && n > SIZE_MAX / size)
        return -1;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

uint32_t pool_append(char **pool, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > UINT32_MAX || grow_array((void **)pool, cap, *len + n + 1, 1) != 0)
        return UINT32_MAX;
    uint32_t off = (uint32_t)*len;
    memcpy(*pool + off, s, n);
    (*pool)[off + n] = '\0';
    *len += n + 1;
    return off;
}
