/* The WeChat mini-program APIs of login (API.md §3), at a configurable base URL
 * (wechat_api_base; tests point it at a fake): jscode2session (wx.login code → openid) and
 * getuserphonenumber (the phone button's code → phone), with the access token cached per
 * process until shortly before it expires. */
#ifndef OW_WECHAT_H
#define OW_WECHAT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    WECHAT_OK = 0,
    WECHAT_BAD_CODE,    /* 40029, 40163 …: the code is invalid or used → 400 */
    WECHAT_RISKY,       /* 40226: the user is blocked as high-risk → 403 */
    WECHAT_UNAVAILABLE, /* -1, 45011, network, timeouts: try again → 503 */
} wechat_status;

/* WeChat's codes (wx.login, getPhoneNumber) are [A-Za-z0-9_-]: anything else is refused
 * before a call (escaped, it could also overflow the request's URL). */
bool wechat_code_ok(const char *code);
wechat_status wechat_openid(const char *code, char *openid, size_t cap);
/* The mainland phone number (purePhoneNumber, country code 86 only). */
wechat_status wechat_phone(const char *phone_code, char *phone, size_t cap);

#endif
