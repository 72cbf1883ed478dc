#include "core/metrics.h"
#include "core/strbuf.h"
#include "handlers/handlers.h"

void handle_metrics(req *r, resp *w)
{
    strbuf sb;
    sb_init(&sb, &r->arena, 16384);
    metrics_render(&sb);
    if (sb.failed) {
        resp_problem(r, w, PROBLEM_INTERNAL, NULL);
        return;
    }
    resp_body(w, 200, "text/plain; version=0.0.4; charset=utf-8", sb.data, sb.len);
}
