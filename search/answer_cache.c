#include "search/answer_cache.h"

#include "search/blob_cache.h"

void answer_key_init(strbuf *key, arena *a, char kind, bool english)
{
    sb_init(key, a, 128);
    char head[3] = {'A', kind, english ? 'e' : 'z'};
    sb_append(key, head, sizeof head);
}

void answer_key_add(strbuf *key, const void *bytes, size_t len)
{
    sb_append(key, bytes, len);
}

bool answer_cache_get(const search_index *ix, const strbuf *key, arena *a, const char **val,
                      size_t *len)
{
    void *v;
    if (key->failed || !blob_cache_get(ix->reading_cache, key->data, key->len, a, &v, len))
        return false;
    *val = v;
    return true;
}

void answer_cache_put(const search_index *ix, const strbuf *key, const char *val, size_t len)
{
    if (!key->failed)
        blob_cache_put(ix->reading_cache, key->data, key->len, val, len);
}
