/* The life events (bundles, 高效办成一件事) of an index snapshot: loaded with the catalog by
 * search/catalog_cache.c, so that a search names the bundles it touches (API.md §4) without
 * asking the database. */
#ifndef OW_SEARCH_BUNDLES_H
#define OW_SEARCH_BUNDLES_H

#include <stddef.h>
#include <stdint.h>

#include "search/index.h"

/* One service of an active bundle as the build takes it: rows of one bundle follow each
 * other, bundles in file order. name_en NULL: not translated; service_code NULL: none. */
typedef struct bundle_member {
    const char *code, *name, *name_en, *service_code;
} bundle_member;

/* Puts the bundles of members[0..n) into ix (ix->bundles …) with their services resolved to
 * ix's items (a service not in the index is left out). 0, or -1 when out of memory. */
int search_bundles_attach(search_index *ix, const bundle_member *members, size_t n);

#define SEARCH_LIFE_EVENTS 3 /* bundles an answer names, at most */

/* The bundles an answer names, best first, at most max (≤ SEARCH_LIFE_EVENTS) (indexes into
 * ix->bundles): those whose own name q matches well, then those holding one of items[0..n_items)
 * (an earlier item first); file order breaks ties. */
size_t search_life_events(const search_index *ix, const char *q, const uint32_t *items,
                          size_t n_items, uint16_t *out, size_t max);

#endif
