/* POST /api/v1/uploads (API.md §5): a citizen's file, spooled to disk by nginx and checked,
 * scanned, counted and stored by workflow/uploads.c; the answer names the upload that a
 * submission or a supplement then attaches as a material. */
#include <string.h>
#include <strings.h>

#include "core/media_types.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "workflow/uploads.h"

/* The request's media type without parameters, when it is one we accept. */
static const char *declared_type(const req *r)
{
    const char *ct = req_param(r, "CONTENT_TYPE");
    if (!ct)
        return NULL;
    char base[64];
    size_t n = strcspn(ct, "; ");
    if (n >= sizeof base)
        return NULL;
    for (size_t i = 0; i < n; i++)
        base[i] = (char)(ct[i] >= 'A' && ct[i] <= 'Z' ? ct[i] + 32 : ct[i]);
    base[n] = '\0';
    return media_type_known(base);
}

static void answer_type(req *r, resp *w, const char *declared, const char *sniffed)
{
    if (*sniffed)
        resp_problem2(
            r, w, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
            arena_printf(&r->arena, "文件内容是 %s，与声明的类型 %s 不符。", sniffed, declared),
            arena_printf(&r->arena, "The file is %s, not the declared %s.", sniffed, declared));
    else
        resp_problem2(r, w, PROBLEM_UNSUPPORTED_MEDIA_TYPE, "只接受 JPEG、PNG 图片和 PDF 文件。",
                      "Only JPEG and PNG images and PDF files are accepted.");
}

static void answer_refusal(req *r, resp *w, int rc, const char *declared, const char *sniffed)
{
    switch (rc) {
    case UPLOAD_NOT_ALLOWED:
    case UPLOAD_MISMATCH: answer_type(r, w, declared, sniffed); return;
    case UPLOAD_DAMAGED:
        req_add_error(r, "", "文件已损坏或不完整，无法打开。",
                      "The file is damaged or incomplete and cannot be opened.");
        resp_invalid(r, w);
        return;
    case UPLOAD_INFECTED:
        req_add_error(r, "", "文件未通过病毒扫描。", "The file did not pass the virus scan.");
        resp_invalid(r, w);
        return;
    case UPLOAD_QUOTA:
        common_answer_rate_limited(r, w, 3600, "今天上传的文件已达上限，请明天再试。",
                                   "You have reached today's upload limit; try again tomorrow.");
        return;
    case UPLOAD_SCAN_FAILED:
        resp_unavailable(r, w, "upload", "the virus scanner did not answer");
        return;
    case UPLOAD_STORE_FAILED: resp_unavailable(r, w, "upload", "the object store failed"); return;
    default: common_answer_failure(r, w, rc, "upload");
    }
}

static cJSON *upload_json(req *r, const upload_row *u)
{
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "id", u->id);
    cJSON_AddStringToObject(o, "content_type", u->content_type);
    cJSON_AddNumberToObject(o, "bytes", (double)u->bytes);
    cJSON_AddStringToObject(o, "sha256", u->sha256);
    cJSON_AddStringToObject(o, "expires_at", u->expires_at);
    return o;
}

void handle_upload(req *r, resp *w)
{
    const char *declared = declared_type(r);
    if (!declared) {
        answer_type(r, w, "", "");
        return;
    }
    if (!r->has_body_file) {
        req_add_error(r, "", "请求体应为文件内容，不能为空。",
                      "The body must be the file; it is empty.");
        resp_invalid(r, w);
        return;
    }
    upload_in in = {common_principal_id(r), declared, r->body_fd, (off_t)r->body_file_bytes,
                    r->body_sha256};
    upload_row u;
    const char *sniffed = "";
    int rc = upload_accept(db_primary(), &r->arena, &in, &u, &sniffed);
    if (rc != DB_OK) {
        answer_refusal(r, w, rc, declared, sniffed);
        return;
    }
    common_answer_private(r, w, 201, upload_json(r, &u));
}
