#include "auth/webhook_url.h"

#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/netaddr.h"

static int refuse(char *why, size_t cap, const char *reason)
{
    snprintf(why, cap, "%s", reason);
    return -1;
}

/* Every address the host resolves to is public (an empty answer is not). */
static int host_is_public(const char *host, char *why, size_t cap)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    /* a literal in brackets comes without them from the URL parser */
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return refuse(why, cap, "the host does not resolve");
    bool ok = true;
    for (const struct addrinfo *ai = res; ai && ok; ai = ai->ai_next)
        ok = netaddr_public(ai->ai_addr);
    freeaddrinfo(res);
    return ok ? 0
              : refuse(why, cap,
                       "the host is a loopback, private, link-local or other non-public "
                       "address");
}

static int check_parts(CURLU *u, const ow_config *cfg, char *why, size_t cap)
{
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
    int rc = 0;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &password, 0);
    bool https = scheme && strcasecmp(scheme, "https") == 0;
    bool http = scheme && strcasecmp(scheme, "http") == 0;
    if (!https && !(http && cfg->webhook_allow_http))
        rc = refuse(why, cap,
                    cfg->webhook_allow_http ? "the URL must be http or https"
                                            : "the URL must be https");
    else if (user || password)
        rc = refuse(why, cap, "the URL must not carry a user name or password");
    else if (!host || !*host)
        rc = refuse(why, cap, "the URL has no host");
    else if (!cfg->webhook_allow_private) {
        size_t n = strlen(host);
        if (n > 2 && host[0] == '[' && host[n - 1] == ']') { /* an IPv6 literal */
            host[n - 1] = '\0';
            rc = host_is_public(host + 1, why, cap);
        } else
            rc = host_is_public(host, why, cap);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    return rc;
}

int webhook_url_check(const char *url, const ow_config *cfg, char *why, size_t cap)
{
    size_t n = strlen(url);
    if (n == 0 || n > WEBHOOK_URL_MAX)
        return refuse(why, cap, "the URL must be 1 to 512 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return refuse(why, cap, "the URL must be printable ASCII without spaces");
    CURLU *u = curl_url();
    if (!u)
        return refuse(why, cap, "out of memory");
    int rc = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
                 ? check_parts(u, cfg, why, cap)
                 : refuse(why, cap, "not an absolute URL");
    curl_url_cleanup(u);
    return rc;
}
