/* Ratings (好差评, API.md §8): the tag list of each level, and a citizen's rating of their
 * own finished application (一事一评). Another citizen's number is 404, like an unknown one. */
#include <stdio.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/rating_views.h"
#include "workflow/application_no.h"
#include "workflow/bundle_ratings.h"
#include "workflow/rating_tags.h"
#include "workflow/ratings.h"

#define COMMENT_MAX_CHARS 500
#define TAGS_MAX 9
#define TAG_MAX_CHARS 32

static const char *const channels[] = {"app", "wechat", "web", NULL};

static cJSON *tag_list(const rating_level *l)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < l->n_tags; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "code", l->tags[i].code);
        cJSON_AddStringToObject(t, "label", l->tags[i].label_zh);
        cJSON_AddStringToObject(t, "label_en", l->tags[i].label_en);
        cJSON_AddItemToArray(list, t);
    }
    return list;
}

void handle_rating_tags(req *r, resp *w)
{
    cJSON *o = resp_new_object(r);
    cJSON *levels = cJSON_AddArrayToObject(o, "levels");
    for (size_t i = 0; i < rating_levels_count; i++) {
        const rating_level *l = &rating_levels[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddNumberToObject(item, "score", l->score);
        cJSON_AddStringToObject(item, "name", l->name_zh);
        cJSON_AddStringToObject(item, "name_en", l->name_en);
        cJSON_AddItemToObject(item, "tags", tag_list(l));
        cJSON_AddItemToArray(levels, item);
    }
    cJSON *dims = cJSON_AddArrayToObject(o, "dimensions");
    for (int i = 0; i < RATING_DIMENSIONS; i++)
        cJSON_AddItemToArray(dims, cJSON_CreateString(rating_dimension_names[i]));
    resp_header(w, "Cache-Control", "public, max-age=3600");
    resp_json(r, w, 200, o);
}

/* {"efficiency", "guide_accuracy", "convenience", "usability"}: all four 1..5, or absent. */
static void read_dimensions(req *r, const cJSON *body, int *out)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(body, "dimensions");
    if (!d || cJSON_IsNull(d))
        return;
    if (!cJSON_IsObject(d)) {
        req_add_error(r, "/dimensions", "评价维度须为对象。", "dimensions must be an object.");
        return;
    }
    for (int i = 0; i < RATING_DIMENSIONS; i++) {
        long v = 0;
        const char *p = arena_printf(&r->arena, "/dimensions/%s", rating_dimension_names[i]);
        if (req_json_int(r, d, p, RATING_SCORE_MIN, RATING_SCORE_MAX, true, &v))
            out[i] = (int)v;
    }
    for (const cJSON *m = d->child; m; m = m->next) {
        bool known = false;
        for (int i = 0; i < RATING_DIMENSIONS; i++)
            known |= strcmp(m->string, rating_dimension_names[i]) == 0;
        if (!known)
            req_add_error(r, arena_printf(&r->arena, "/dimensions/%s", m->string),
                          "没有这个评价维度。", "There is no such dimension.");
    }
}

/* The tags as a JSON array text: each offered for the score's level, none twice. */
static const char *read_tags(req *r, const cJSON *body, int score)
{
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
    if (!tags)
        return "[]";
    if (!cJSON_IsArray(tags) || cJSON_GetArraySize(tags) > TAGS_MAX) {
        req_add_error(r, "/tags", "标签须为最多 9 项的列表。", "tags must be a list of at most 9.");
        return NULL;
    }
    int i = 0;
    for (const cJSON *t = tags->child; t; t = t->next, i++) {
        const char *p = arena_printf(&r->arena, "/tags/%d", i);
        bool repeated = false;
        for (const cJSON *u = tags->child; u != t; u = u->next)
            repeated |= cJSON_IsString(u) && cJSON_IsString(t) &&
                        strcmp(u->valuestring, t->valuestring) == 0;
        if (!cJSON_IsString(t) || strlen(t->valuestring) > TAG_MAX_CHARS ||
            (score && !rating_tag_allowed(score, t->valuestring)))
            req_add_error(r, p, "这个等级没有这个标签（见 GET /api/v1/rating-tags）。",
                          "This level offers no such tag (see GET /api/v1/rating-tags).");
        else if (repeated)
            req_add_error(r, p, "标签重复。", "This tag is given twice.");
    }
    char *text = cJSON_PrintUnformatted(tags);
    const char *copy = text ? arena_strdup(&r->arena, text) : NULL;
    cJSON_free(text);
    return copy;
}

/* The body of a rating; false after recording validation errors. */
static bool read_rating(req *r, rating_input *in)
{
    const cJSON *body = req_body_object(r);
    long score = 0;
    const char *comment = NULL, *channel = NULL;
    if (!body)
        return false;
    req_json_int(r, body, "/score", RATING_SCORE_MIN, RATING_SCORE_MAX, true, &score);
    in->score = (int)score;
    read_dimensions(r, body, in->dimensions);
    in->tags = read_tags(r, body, in->score);
    req_json_string(r, body, "/comment", 0, COMMENT_MAX_CHARS, false, &comment);
    in->comment = comment && *comment ? comment : NULL;
    req_json_string(r, body, "/channel", 1, 16, false, &channel);
    in->channel = "app";
    for (int i = 0; channel && channels[i]; i++)
        if (strcmp(channel, channels[i]) == 0)
            in->channel = channels[i];
    if (channel && strcmp(in->channel, channel) != 0)
        req_add_error(r, "/channel", "渠道须为 app、wechat 或 web。",
                      "channel must be app, wechat or web.");
    /* a bad rating says what went wrong (a tag or a comment): its case needs something to fix */
    if (!r->n_errors && in->score <= RATING_BAD_MAX && !in->comment && strcmp(in->tags, "[]") == 0)
        req_add_error(r, "/tags", "差评请至少选择一个标签或写明意见。",
                      "A bad rating needs at least one tag or a comment.");
    return r->n_errors == 0;
}

/* 409 for a rating refused (of a bundle, or of an application), or the failure. */
static void answer_refusal(req *r, resp *w, int rc, const rating_made *m, bool bundle)
{
    if (rc == RATING_EXISTS)
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      bundle ? "这个“一件事”已经评价过了。" : "这件办件已经评价过了（一事一评）。",
                      bundle ? "This bundle has been rated already."
                             : "This application has been rated already.");
    else if (rc == RATING_WINDOW_OVER)
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      arena_printf(&r->arena, "评价期限已过（截至 %s）。", m->last_day),
                      arena_printf(&r->arena, "Ratings closed on %s.", m->last_day));
    else if (rc == RATING_NOT_FINAL)
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      bundle ? "“一件事”的每个事项都办结后才能评价。"
                             : "办件办结或不予受理后才能评价。",
                      bundle ? "A bundle is rated once every application of it is final."
                             : "An application is rated once completed or not accepted.");
    else
        common_answer_failure(r, w, rc, "rating");
}

/* The rating just stored, read back in its transaction (rc: how that went; its time as
 * stored), as the answer kept with the Idempotency-Key; NULL after answering a failure. */
static cJSON *stored_rating(req *r, resp *w, db_conn *c, int rc, const rating_row *row)
{
    if (rc != DB_OK) {
        db_rollback(c);
        common_answer_failure(r, w, rc, "rating");
        return NULL;
    }
    cJSON *o = rating_json(row);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    return o;
}

void handle_application_rating(req *r, resp *w)
{
    rating_input in = {0};
    if (!read_rating(r, &in)) {
        resp_invalid(r, w);
        return;
    }
    db_conn *c = db_primary();
    int64_t me = common_principal_id(r);
    app_row a;
    if (!load_application(r, w, c, LOAD_FOR_STEP, app_owned_by_citizen, &me, &a))
        return;
    app_actor_ref who = citizen_actor(r);
    rating_made m;
    cal_day today = request_today(r);
    int rc = rating_submit(c, &r->arena, &a, &who, &in, today, &m);
    if (rc != DB_OK) {
        answer_refusal(r, w, rc, &m, false);
        return;
    }
    rating_row row;
    cJSON *o = stored_rating(r, w, c, rating_of_application(c, &r->arena, a.id, &row), &row);
    if (!o)
        return;
    cJSON_AddStringToObject(o, "application_no", a.no);
    if (m.case_id) {
        cJSON *k = cJSON_AddObjectToObject(o, "rectification");
        cJSON_AddStringToObject(k, "status", "open");
        cJSON_AddStringToObject(k, "deadline", m.deadline);
    } else
        cJSON_AddNullToObject(o, "rectification");
    common_answer_private(r, w, 201, o);
    idempotency_commit(r, w, c);
}

void handle_bundle_rating(req *r, resp *w)
{
    rating_input in = {0};
    if (!read_rating(r, &in)) {
        resp_invalid(r, w);
        return;
    }
    const char *number = req_path_param(r, "no");
    char no[APP_NO_BYTES];
    db_conn *c = db_primary();
    app_actor_ref who = citizen_actor(r);
    rating_made m;
    int64_t bundle_id = 0;
    int rc =
        number && application_no_normalize(number, no)
            ? bundle_rating_submit(c, &r->arena, no, &who, &in, request_today(r), &m, &bundle_id)
            : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    if (rc != DB_OK) {
        answer_refusal(r, w, rc, &m, true);
        return;
    }
    rating_row row;
    cJSON *o = stored_rating(r, w, c, rating_of_bundle(c, &r->arena, bundle_id, &row), &row);
    if (!o)
        return;
    cJSON_AddStringToObject(o, "bundle_no", no);
    common_answer_private(r, w, 201, o);
    idempotency_commit(r, w, c);
}
