/* Sending a login code (API.md §3, §9): the `log` provider appends {"phone","code","at"} to
 * <var_dir>/sms-outbox.jsonl (a development sink, the one place a phone is written in
 * clear); the `http` provider posts {"phone","template","params":{"code"}} to sms_url and
 * expects a 2xx within 5 s. */
#ifndef OW_SMS_H
#define OW_SMS_H

/* 0 sent, -1 the provider failed (the caller answers 503). */
int sms_send_code(const char *phone, const char *code);

#endif
