#include "api/problem.h"

static const problem_info problems[PROBLEM_COUNT] = {
    [PROBLEM_INVALID_JSON] = {400, "invalid_json", "请求内容不是有效的 JSON。",
                              "The request body is not valid JSON."},
    [PROBLEM_INVALID_ARGUMENT] = {400, "invalid_argument", "请求中有字段不符合要求，请检查后重试。",
                                  "Some fields of the request are not valid."},
    [PROBLEM_UNAUTHORIZED] = {401, "unauthorized", "请先登录。", "Authentication is required."},
    [PROBLEM_FORBIDDEN] = {403, "forbidden", "您没有权限进行此操作。",
                           "You are not allowed to do this."},
    [PROBLEM_NOT_FOUND] = {404, "not_found", "未找到您要的内容。",
                           "The requested resource was not found."},
    [PROBLEM_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", "此地址不支持该请求方法。",
                                    "This method is not allowed on this resource."},
    [PROBLEM_CONFLICT] = {409, "conflict", "请求与当前状态冲突，请稍后重试。",
                          "The request conflicts with the current state."},
    [PROBLEM_INVALID_TRANSITION] = {409, "invalid_transition", "当前状态下不能进行此操作。",
                                    "This step is not possible in the current status."},
    [PROBLEM_PAYLOAD_TOO_LARGE] = {413, "payload_too_large", "提交的内容过大。",
                                   "The request body is too large."},
    [PROBLEM_UNSUPPORTED_MEDIA_TYPE] = {415, "unsupported_media_type",
                                        "请求内容须为 JSON（Content-Type: application/json）。",
                                        "The request body must be application/json."},
    [PROBLEM_RATE_LIMITED] = {429, "rate_limited", "操作过于频繁，请稍后再试。",
                              "Too many requests; please try again later."},
    [PROBLEM_REAL_NAME_REQUIRED] = {403, "real_name_required", "请先完成实名认证。",
                                    "Real-name verification is required."},
    [PROBLEM_IDENTITY_NOT_VERIFIED] = {422, "identity_not_verified",
                                       "姓名与身份证号码未能通过核验，请检查后重试。",
                                       "The name and ID number could not be verified together."},
    [PROBLEM_PHONE_REQUIRED] = {403, "phone_required", "请授权手机号以完成登录。",
                                "A phone number is required to sign in."},
    [PROBLEM_IDEMPOTENCY_KEY_REUSED] = {422, "idempotency_key_reused", "该幂等键已用于另一个请求。",
                                        "This Idempotency-Key was used for another request."},
    [PROBLEM_UNAVAILABLE] = {503, "unavailable", "服务暂时不可用，请稍后重试。",
                             "The service is temporarily unavailable; please retry later."},
    [PROBLEM_INTERNAL] = {500, "internal", "服务器内部错误，请稍后重试。",
                          "An internal error occurred; please retry later."},
};

const problem_info *problem_get(problem_code code)
{
    if ((unsigned)code >= PROBLEM_COUNT)
        code = PROBLEM_INTERNAL;
    return &problems[code];
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}
