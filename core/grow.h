/* Growing a malloc'd array by doubling, for the builders that append to many arrays. */
#ifndef OW_GROW_H
#define OW_GROW_H

#include <stddef.h>

/* Makes *p hold at least need elements of size bytes (*cap elements now; from 64, doubling).
 * 0, or -1 when out of memory (then *p and *cap are unchanged). */
int grow_array(void **p, size_t *cap, size_t need, size_t size);

#endif
