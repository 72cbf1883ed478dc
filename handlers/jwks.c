/* GET /.well-known/jwks.json: the public keys that verify our access tokens, as EC JWKs
 * (RFC 7517/7518), for clients and organizations that check tokens themselves. */
#include "auth/keyring.h"
#include "core/json_write.h"
#include "core/strbuf.h"
#include "handlers/handlers.h"

void handle_jwks(req *r, resp *w)
{
    const keyring *kr = keyring_acquire();
    if (!kr) {
        resp_unavailable(r, w, "JWKS", "no key ring loaded yet");
        return;
    }
    strbuf sb;
    sb_init(&sb, &r->arena, 256 + kr->n * 256);
    sb_puts(&sb, "{\"keys\":[");
    for (size_t i = 0; i < kr->n; i++) {
        const signing_key *k = &kr->keys[i];
        sb_puts(&sb,
                i ? ",{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":"
                  : "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":");
        jw_string(&sb, k->kid);
        sb_puts(&sb, ",\"x\":");
        jw_string(&sb, k->x);
        sb_puts(&sb, ",\"y\":");
        jw_string(&sb, k->y);
        sb_puts(&sb, "}");
    }
    sb_puts(&sb, "]}");
    keyring_release(kr);
    if (sb.failed) {
        resp_internal(r, w, "JWKS", "out of memory");
        return;
    }
    resp_header(w, "Cache-Control", "public, max-age=60");
    resp_body(w, 200, "application/json", sb.data, sb.len);
}
