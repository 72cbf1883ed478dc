/* RFC 9457 problem details for every error code of API.md §1. */
#ifndef OW_PROBLEM_H
#define OW_PROBLEM_H

typedef enum {
    PROBLEM_INVALID_JSON,
    PROBLEM_INVALID_ARGUMENT,
    PROBLEM_UNAUTHORIZED,
    PROBLEM_FORBIDDEN,
    PROBLEM_NOT_FOUND,
    PROBLEM_METHOD_NOT_ALLOWED,
    PROBLEM_CONFLICT,
    PROBLEM_INVALID_TRANSITION,
    PROBLEM_PAYLOAD_TOO_LARGE,
    PROBLEM_UNSUPPORTED_MEDIA_TYPE,
    PROBLEM_RATE_LIMITED,
    PROBLEM_REAL_NAME_REQUIRED,
    PROBLEM_IDENTITY_NOT_VERIFIED,
    PROBLEM_PHONE_REQUIRED,
    PROBLEM_IDEMPOTENCY_KEY_REUSED,
    PROBLEM_UNAVAILABLE,
    PROBLEM_INTERNAL,
    PROBLEM_COUNT
} problem_code;

typedef struct problem_info {
    int status;
    const char *code;      /* the "code" member */
    const char *detail_zh; /* default detail for citizens */
    const char *detail_en; /* with Accept-Language: en */
} problem_info;

const problem_info *problem_get(problem_code code);
/* The reason phrase of an HTTP status ("Not Found"): the Status line and a problem's title. */
const char *http_reason(int status);

#endif
