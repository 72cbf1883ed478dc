/* Everyday words rewritten into the words the concept layer is written in (data/everyday.tsv:
 * 盖 → 建, 屋 → 房, 搞 → 办 …), so that a situation said in words nobody wrote into a concept
 * still finds it ("翻盖老屋" reads also as "翻建老房"). Used on the concept side only. */
#ifndef OW_SEARCH_EVERYDAY_H
#define OW_SEARCH_EVERYDAY_H

#include <stddef.h>
#include <stdint.h>

/* Rewrites the code points c[0..n) into out (at most cap), each position by the longest
 * everyday word starting there. Returns the length written, or 0 when nothing was rewritten
 * (the caller then has only the query itself). */
size_t everyday_rewrite(const uint32_t *c, size_t n, uint32_t *out, size_t cap);

/* How many word pairs were loaded (a check that every line of the file was). */
size_t everyday_size(void);

#endif
