#include "handlers/rating_views.h"

#include <stdio.h>
#include <string.h>

#include "core/json_out.h"
#include "handlers/application_views.h"
#include "workflow/rating_tags.h"

const char *const rating_dimension_names[RATING_DIMENSIONS] = {"efficiency", "guide_accuracy",
                                                               "convenience", "usability"};

cJSON *rating_json(const rating_row *r)
{
    cJSON *o = cJSON_CreateObject();
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddNumberToObject(o, "score", r->score);
    const rating_level *l = rating_level_of(r->score);
    cJSON_AddStringToObject(o, "level", l ? l->name_zh : "");
    if (r->dimensions[0]) {
        cJSON *d = cJSON_AddObjectToObject(o, "dimensions");
        for (int i = 0; i < RATING_DIMENSIONS; i++)
            cJSON_AddNumberToObject(d, rating_dimension_names[i], r->dimensions[i]);
    } else
        cJSON_AddNullToObject(o, "dimensions");
    cJSON *tags = cJSON_Parse(r->tags ? r->tags : "[]");
    cJSON_AddItemToObject(o, "tags", tags ? tags : cJSON_CreateArray());
    json_add_string_or_null(o, "comment", r->comment);
    cJSON_AddStringToObject(o, "channel", r->channel);
    cJSON_AddStringToObject(o, "rated_at", r->rated_at);
    return o;
}

bool rectification_overdue(const rectification_row *k, cal_day today)
{
    char now[CAL_DATE_BYTES];
    cal_day_format(today, now);
    const char *until = k->closed_day ? k->closed_day : now;
    return strcmp(until, k->deadline) > 0;
}

cJSON *rectification_citizen_json(const rectification_row *k, cal_day today)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", k->status);
    cJSON_AddStringToObject(o, "deadline", k->deadline);
    cJSON_AddBoolToObject(o, "overdue", rectification_overdue(k, today));
    json_add_string_or_null(o, "measure", k->measure);
    json_add_string_or_null(o, "response", k->response);
    json_add_string_or_null(o, "closed_at", k->closed_at);
    json_add_string_or_null(o, "visit", k->visit);
    return o;
}

cJSON *app_with_rating(req *r, const app_row *a, cJSON *detail, int *rc)
{
    rating_row rt;
    rectification_row k;
    bool rateable = strcmp(a->status, "completed") == 0 || strcmp(a->status, "not_accepted") == 0;
    *rc = rateable ? rating_of_application(db_primary(), &r->arena, a->id, &rt) : DB_NOT_FOUND;
    if (*rc == DB_OK) {
        cJSON *rating = rating_json(&rt);
        /* a reviewer's exclusion on appeal (申诉复核) is the citizen's to know, with why */
        cJSON_AddBoolToObject(rating, "excluded_from_statistics", rt.excluded_reason != NULL);
        json_add_string_or_null(rating, "exclusion_reason", rt.excluded_reason);
        cJSON_AddItemToObject(detail, "rating", rating);
    } else if (*rc == DB_NOT_FOUND)
        cJSON_AddNullToObject(detail, "rating");
    else
        return NULL;
    bool bad = *rc == DB_OK && rt.score <= RATING_BAD_MAX;
    *rc = bad ? rectification_of_application(db_primary(), &r->arena, a->id, &k) : DB_NOT_FOUND;
    if (*rc == DB_OK)
        cJSON_AddItemToObject(detail, "rectification",
                              rectification_citizen_json(&k, request_today(r)));
    else if (*rc == DB_NOT_FOUND)
        cJSON_AddNullToObject(detail, "rectification");
    else
        return NULL;
    *rc = DB_OK;
    return detail;
}
