/* A form checked against a service's form schema (the subset of JSON Schema 2020-12 that
 * catalog/form_schema.c accepts): every bad field is reported with its JSON Pointer, so a
 * client can mark each one. Reusable for anything that carries a form (a submission, and the
 * children of a life-event bundle later). */
#ifndef OW_FORM_CHECK_H
#define OW_FORM_CHECK_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "core/arena.h"

/* One problem: pointer is base + "/" + the field (from the arena); the message in both
 * languages. */
typedef void (*form_error_fn)(void *ctx, const char *pointer, const char *zh, const char *en);

/* Checks form (any JSON value) against schema (a canonical form schema). Each problem goes
 * to err; returns how many there were (0: valid). today: YYYYMMDD, for birth dates in ID
 * numbers. */
int form_check(const cJSON *schema, const cJSON *form, const char *base, long today, arena *a,
               form_error_fn err, void *ctx);

/* "YYYY-MM-DD" of a real date, years 1000..9999 (the `date` format). */
bool form_date_valid(const char *s);

#endif
