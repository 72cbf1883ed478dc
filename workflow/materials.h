/* An application's materials (API.md §5): the uploads a citizen names for the materials a
 * service defines ([{code, name, required, accept, max_bytes}], catalog/form_schema.c).
 * Checked and attached inside the caller's transaction, so that the application and its
 * materials commit together; reusable by anything that submits (an application, the
 * children of a life-event bundle later). An attached upload belongs to that application
 * for good (no expiry); a replaced one stays attached as the application's history. */
#ifndef OW_MATERIALS_H
#define OW_MATERIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "db/db.h"
#include "db/upload_store.h"
#include "workflow/form_check.h"

typedef struct material_given {
    const char *code, *upload_id;
} material_given;

/* The given materials, checked: each upload locked. */
typedef struct material_checked {
    const char *code, *name;
    upload_row upload;
} material_checked;

/* Inside c's transaction: checks given[0..n) against the service's definitions (a JSON array
 * text) — a known code, each code once, the upload the citizen's own, unattached and
 * unexpired, of an accepted type and within max_bytes — and, when all_required, that every
 * required material is there. Problems go to err with pointers under base ("/materials");
 * returns how many (0: *out holds the n checked materials, uploads locked), or a negative
 * db failure. */
int materials_check(db_conn *c, arena *a, const char *definitions, int64_t citizen_id,
                    const material_given *given, size_t n, bool all_required, const char *base,
                    form_error_fn err, void *ctx, material_checked *out);

/* Inside the same transaction: attaches the checked uploads to the application and returns
 * the application's material list (a JSON array text) with them in place of any earlier
 * material of the same code (current: the list so far, "[]" for a new application). */
int materials_attach(db_conn *c, arena *a, int64_t application_id, const char *current,
                     const material_checked *list, size_t n, const char **updated);

/* The same list without attaching: for the children of a bundle after the first that names
 * an upload (it is attached to that one; each child's list names it, so each department
 * sees and downloads it). attach[i] false: list only. */
int materials_attach_some(db_conn *c, arena *a, int64_t application_id, const char *current,
                          const material_checked *list, const bool *attach, size_t n,
                          const char **updated);

/* The entry of one material in an application's list by code: DB_OK with its sha256 and
 * media type, or DB_NOT_FOUND. */
int materials_find(const char *list, const char *code, arena *a, const char **sha256,
                   const char **content_type);

#endif
