#include "workflow/rating_tags.h"

#include <string.h>

#define N(list) (sizeof list / sizeof list[0])

/* 非常满意, 满意: what went well. */
static const rating_tag good_tags[] = {
    {"fast", "办理速度快", "Handled quickly"},
    {"one_trip", "一次办成，少跑腿", "Done in one go, no extra trips"},
    {"clear_guide", "办事指南清晰准确", "Clear and accurate service guide"},
    {"few_materials", "材料精简", "Few materials needed"},
    {"easy_online", "网上办理方便", "Easy to do online"},
    {"good_attitude", "服务态度好", "Friendly service"},
    {"clear_result", "结果告知清楚", "Result clearly explained"},
};

/* 基本满意: what could be better. */
static const rating_tag fair_tags[] = {
    {"could_be_faster", "办理速度有待提高", "Could be faster"},
    {"guide_could_be_clearer", "办事指南有待完善", "Guide could be clearer"},
    {"materials_could_be_fewer", "材料可以再精简", "Materials could be fewer"},
    {"online_could_be_easier", "网上操作有待优化", "Online steps could be easier"},
    {"progress_could_be_clearer", "进度告知有待及时", "Progress could be reported sooner"},
};

/* 不满意, 非常不满意: what went wrong. */
static const rating_tag bad_tags[] = {
    {"slow", "办理时间长", "Took too long"},
    {"overdue", "超过承诺时限", "Past the promised date"},
    {"guide_inaccurate", "办事指南不准确", "Guide inaccurate"},
    {"too_many_materials", "材料要求繁琐", "Too many materials asked for"},
    {"repeated_trips", "多次跑腿", "Several trips needed"},
    {"poor_attitude", "服务态度差", "Unfriendly service"},
    {"online_hard", "网上办理不便", "Hard to do online"},
    {"result_unexplained", "结果未说明理由", "Result not explained"},
    {"no_response", "咨询无人答复", "Questions went unanswered"},
};

const rating_level rating_levels[] = {
    {5, "非常满意", "Very satisfied", good_tags, N(good_tags)},
    {4, "满意", "Satisfied", good_tags, N(good_tags)},
    {3, "基本满意", "Fairly satisfied", fair_tags, N(fair_tags)},
    {2, "不满意", "Dissatisfied", bad_tags, N(bad_tags)},
    {1, "非常不满意", "Very dissatisfied", bad_tags, N(bad_tags)},
};
const size_t rating_levels_count = N(rating_levels);

const rating_level *rating_level_of(int score)
{
    for (size_t i = 0; i < rating_levels_count; i++)
        if (rating_levels[i].score == score)
            return &rating_levels[i];
    return NULL;
}

bool rating_tag_allowed(int score, const char *code)
{
    const rating_level *l = rating_level_of(score);
    for (size_t i = 0; l && i < l->n_tags; i++)
        if (strcmp(l->tags[i].code, code) == 0)
            return true;
    return false;
}
