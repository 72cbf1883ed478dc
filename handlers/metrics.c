#include <string.h>
#include <unistd.h>

#include "core/metrics.h"
#include "db/outbox_store.h"
#include "core/strbuf.h"
#include "handlers/handlers.h"

typedef struct push_lines {
    strbuf deliveries, resends;
} push_lines;

static void counter_line(const char *channel, const char *result, int64_t n, void *ctx)
{
    push_lines *l = ctx;
    if (strcmp(result, "resent") == 0)
        sb_printf(&l->resends, "onewindow_push_resends_total{channel=\"%s\"} %lld\n", channel,
                  (long long)n);
    else
        sb_printf(&l->deliveries,
                  "onewindow_push_deliveries_total{channel=\"%s\",result=\"%s\"} %lld\n", channel,
                  result, (long long)n);
}

/* onewindow-pushd's figures (API.md §6): its delivery counts on this host, and the outbox.
 * Left out when the database does not answer (the rest of the scrape still serves). */
static void render_push(req *r, strbuf *sb)
{
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    int64_t pending = 0, oldest = 0, dead = 0;
    push_lines lines;
    sb_init(&lines.deliveries, &r->arena, 1024);
    sb_init(&lines.resends, &r->arena, 256);
    if (outbox_each_counter(db_primary(), &r->arena, host, counter_line, &lines) != DB_OK ||
        outbox_depth(db_primary(), &r->arena, &pending, &oldest, &dead) != DB_OK ||
        lines.deliveries.failed || lines.resends.failed)
        return;
    sb_puts(sb, "# HELP onewindow_push_deliveries_total Outbox deliveries by onewindow-pushd on "
                "this host, by channel and result.\n"
                "# TYPE onewindow_push_deliveries_total counter\n");
    sb_puts(sb, lines.deliveries.data);
    sb_puts(sb, "# HELP onewindow_push_resends_total Sends repeated by onewindow-pushd on this "
                "host because the outcome of the last try was never recorded (its pushd died or "
                "lost the database).\n# TYPE onewindow_push_resends_total counter\n");
    sb_puts(sb, lines.resends.data);
    sb_printf(sb,
              "# HELP onewindow_outbox_pending Deliveries waiting in the outbox.\n"
              "# TYPE onewindow_outbox_pending gauge\nonewindow_outbox_pending %lld\n"
              "# HELP onewindow_outbox_oldest_due_seconds How long the oldest due delivery "
              "has waited.\n"
              "# TYPE onewindow_outbox_oldest_due_seconds gauge\n"
              "onewindow_outbox_oldest_due_seconds %lld\n"
              "# HELP onewindow_outbox_dead Deliveries that ran out of tries, waiting for an "
              "operator (onewindow-admin outbox --dead).\n"
              "# TYPE onewindow_outbox_dead gauge\nonewindow_outbox_dead %lld\n",
              (long long)pending, (long long)oldest, (long long)dead);
}

void handle_metrics(req *r, resp *w)
{
    strbuf sb;
    sb_init(&sb, &r->arena, 16384);
    metrics_render(&sb);
    /* what /readyz answers, for alerts: the database answers this host */
    sb_printf(&sb,
              "# HELP onewindow_ready 1 when this host reaches its database (what /readyz "
              "answers).\n# TYPE onewindow_ready gauge\nonewindow_ready %d\n",
              db_ping(db_primary(), &r->arena) == DB_OK);
    render_push(r, &sb);
    if (sb.failed) {
        resp_internal(r, w, "metrics", "out of memory");
        return;
    }
    resp_body(w, 200, "text/plain; version=0.0.4; charset=utf-8", sb.data, sb.len);
}
