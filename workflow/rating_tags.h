/* The five levels of a rating (好差评, API.md §8) and the fixed tag list of each: the tags a
 * citizen may pick depend on the level (what went well for 非常满意/满意, what could be better
 * for 基本满意, what went wrong for 不满意/非常不满意). The one source of both lists: the
 * rating check and GET /api/v1/rating-tags read them here; docs/API.md §8 prints them. */
#ifndef OW_RATING_TAGS_H
#define OW_RATING_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#define RATING_SCORE_MIN 1
#define RATING_SCORE_MAX 5
#define RATING_BAD_MAX 2 /* a score ≤ this is a bad rating (差评): it opens a rectification */

typedef struct rating_tag {
    const char *code, *label_zh, *label_en;
} rating_tag;

typedef struct rating_level {
    int score;
    const char *name_zh, *name_en;
    const rating_tag *tags;
    size_t n_tags;
} rating_level;

/* The level of a score 1..5, or NULL. */
const rating_level *rating_level_of(int score);
/* The levels from 5 (非常满意) down to 1 (非常不满意). */
extern const rating_level rating_levels[];
extern const size_t rating_levels_count;

/* Whether a tag code is offered for the score's level. */
bool rating_tag_allowed(int score, const char *code);

#endif
