/* libFuzzer: percent-decoding of paths, queries and form bodies (core/percent.c). The first
 * byte picks '+' as space (queries, forms) or not (paths). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/percent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    arena a;
    arena_init(&a, 1024);
    char *d = percent_decode(&a, (const char *)data + 1, size - 1, data[0] & 1);
    if (d && strlen(d) > size) /* decoding never grows the text */
        __builtin_trap();
    arena_destroy(&a);
    return 0;
}
