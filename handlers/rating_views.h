/* What the rating handlers and the citizen's application detail share (API.md §8): the JSON
 * of a rating and of a rectification case as the citizen sees them, and the detail's
 * extension that adds both to a finished application. */
#ifndef OW_RATING_VIEWS_H
#define OW_RATING_VIEWS_H

#include <cjson/cJSON.h>

#include "api/request.h"
#include "core/calendar.h"
#include "db/application_store.h"
#include "db/rating_store.h"

extern const char *const rating_dimension_names[RATING_DIMENSIONS];

cJSON *rating_json(const rating_row *r);
/* The citizen's view of a case: the response, not the handler's verification notes. */
cJSON *rectification_citizen_json(const rectification_row *k, cal_day today);
/* Whether a case is past its deadline: still open after it, or closed after it. */
bool rectification_overdue(const rectification_row *k, cal_day today);

/* respond_application's extension for the citizen: "rating" (with whether a review excluded
 * it from the statistics, and why) and "rectification" (null when there is none). NULL with
 * *rc on a failure. */
cJSON *app_with_rating(req *r, const app_row *a, cJSON *detail, int *rc);

#endif
