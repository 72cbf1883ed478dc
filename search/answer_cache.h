/* Rendered catalog answers (the JSON of a search or type-ahead page), kept in the index
 * snapshot's reading cache. An answer depends only on the snapshot and the request's
 * parameters (the index never changes under a snapshot; a catalog change builds a new one,
 * which starts empty), so a repeated request is answered without searching or writing its
 * JSON again and can never be stale. Keys start with 'A' (answers), apart from the readings'
 * ('=', 'S') and the ranked retrieval's ('R'). */
#ifndef OW_ANSWER_CACHE_H
#define OW_ANSWER_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/strbuf.h"
#include "search/index.h"

/* Starts the key of an answer: its kind (a letter per endpoint) and language; the caller
 * appends the request's parameters with answer_key_add / sb_puts. */
void answer_key_init(strbuf *key, arena *a, char kind, bool english);
void answer_key_add(strbuf *key, const void *bytes, size_t len);

/* Copies the cached answer of key into the arena; false when absent (or no cache). */
bool answer_cache_get(const search_index *ix, const strbuf *key, arena *a, const char **val,
                      size_t *len);
void answer_cache_put(const search_index *ix, const strbuf *key, const char *val, size_t len);

#endif
