/* Per-request bump allocator with cleanup callbacks.
 *
 * Everything a request allocates comes from its arena and is released at once by
 * arena_reset() when the response has been written, so handlers never free(). Objects
 * owned by libraries (cJSON trees, malloc'd strings) are handed over with arena_defer(). */
#ifndef OW_ARENA_H
#define OW_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;
typedef struct arena_cleanup arena_cleanup;

typedef struct arena {
    arena_chunk *head;       /* current chunk; older ones follow */
    arena_cleanup *cleanups; /* run in reverse order of registration */
    size_t chunk_size;       /* default size of a new chunk */
} arena;

void arena_init(arena *a, size_t chunk_size);
/* Zeroed? No: like malloc. Returns NULL only when memory is exhausted. */
void *arena_alloc(arena *a, size_t size);
void *arena_calloc(arena *a, size_t n, size_t size);
char *arena_strndup(arena *a, const char *s, size_t len);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs fn(ptr) at the next arena_reset(); returns -1 when out of memory (fn is then run
 * at once, so the object is never leaked). */
int arena_defer(arena *a, void (*fn)(void *), void *ptr);
/* Runs the cleanups and frees all chunks but the first, which is kept for reuse. */
void arena_reset(arena *a);
void arena_destroy(arena *a);

#endif
