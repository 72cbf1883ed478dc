#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    size_t used;
    max_align_t data[]; /* aligned for any object */
};

struct arena_cleanup {
    arena_cleanup *next;
    void (*fn)(void *);
    void *ptr;
};

#define ARENA_ALIGN (sizeof(max_align_t))

void arena_init(arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->cleanups = NULL;
    a->chunk_size = chunk_size ? chunk_size : 16384;
}

static arena_chunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(arena_chunk))
        return NULL; /* the header would wrap the size around */
    arena_chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void *arena_alloc(arena *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (need < size)
        return NULL; /* overflow */
    arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        /* Large objects get a chunk of their own so that the rest of the current chunk
         * stays usable. */
        size_t size_new = need > a->chunk_size / 4 ? need : a->chunk_size;
        arena_chunk *n = chunk_new(size_new);
        if (!n)
            return NULL;
        if (c && size_new != a->chunk_size) {
            n->next = c->next;
            c->next = n;
            n->used = need;
            return n->data;
        }
        n->next = c;
        a->head = c = n;
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    return p;
}

void *arena_calloc(arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int arena_defer(arena *a, void (*fn)(void *), void *ptr)
{
    arena_cleanup *c = arena_alloc(a, sizeof *c);
    if (!c) {
        fn(ptr);
        return -1;
    }
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
    return 0;
}

static void run_cleanups(arena *a)
{
    while (a->cleanups) {
        arena_cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->ptr);
    }
}

void arena_reset(arena *a)
{
    run_cleanups(a);
    /* Keep one chunk of the default size: a steady request load allocates nothing. */
    arena_chunk *keep = NULL;
    for (arena_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        if (!keep && c->size == a->chunk_size) {
            keep = c;
            continue;
        }
        free(c);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
}

void arena_destroy(arena *a)
{
    arena_reset(a);
    free(a->head);
    a->head = NULL;
}
