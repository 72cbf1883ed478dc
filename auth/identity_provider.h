/* Real-name verification (API.md §3, docs/identity-provider.md): does this name belong to
 * this resident ID number? A pluggable provider answers, and the answer sets how sure we are
 * who the citizen is (the assurance level, carried in the access token):
 *   1  a phone proven by an SMS code or WeChat (every account);
 *   2  a real name and ID number checked for form only (the `dev` provider: development);
 *   3  verified by an identity service (the `http` provider).
 * It fails closed: an `http` provider without its URL, or one that does not answer clearly,
 * verifies nobody (503); `dev` is refused by a production configuration (core/config.c). */
#ifndef OW_IDENTITY_PROVIDER_H
#define OW_IDENTITY_PROVIDER_H

enum {
    ASSURANCE_PHONE = 1,
    ASSURANCE_FORMAT_CHECKED = 2,
    ASSURANCE_VERIFIED = 3,
};

typedef enum {
    IDENTITY_MATCH,       /* the name is the ID number's holder's */
    IDENTITY_NO_MATCH,    /* another name, or no such ID number (told apart in the log only) */
    IDENTITY_UNAVAILABLE, /* not configured, unreachable, timed out, or an unclear answer */
} identity_verdict;

/* Asks the configured provider (request_id goes with the call, for both sides' logs). On
 * IDENTITY_MATCH, *level is the assurance it gives. */
identity_verdict identity_provider_verify(const char *name, const char *id_number,
                                          const char *request_id, int *level);

#endif
