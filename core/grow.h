/* Growing a malloc'd array by doubling, and a pool of strings, for the builders that append
 * to many arrays. */
#ifndef OW_GROW_H
#define OW_GROW_H

#include <stddef.h>
#include <stdint.h>

/* Makes *p hold at least need elements of size bytes (*cap elements now; from 64, doubling).
 * 0, or -1 when out of memory (then *p and *cap are unchanged). */
int grow_array(void **p, size_t *cap, size_t need, size_t size);

/* Appends s[0..n) and a NUL to the string pool *pool (*len bytes used, *cap allocated);
 * returns the copy's offset, or UINT32_MAX when out of memory or past 4 GiB (offsets are
 * 32-bit). */
uint32_t pool_append(char **pool, size_t *len, size_t *cap, const char *s, size_t n);

#endif
