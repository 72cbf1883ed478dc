#include "workflow/calendar_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "db/calendar_store.h"

#define FILE_MAX_BYTES (1L << 20)
#define ENTRIES_MAX 4000
#define YEARS_MAX 50
#define NAME_MAX_CHARS 32

typedef struct holiday_file {
    calendar_entry entries[ENTRIES_MAX];
    size_t n;
    int years[YEARS_MAX];
    size_t n_years;
} holiday_file;

static int weekday(cal_day d)
{
    return (int)(((d % 7) + 7 + 4) % 7); /* 0 = Sunday */
}

static const char *check_entry(holiday_file *f, const cal_exception *e, const char *name,
                               size_t name_len)
{
    if (name_len == 0 || u8_check((const uint8_t *)name, name_len) ||
        u8_mbsnlen((const uint8_t *)name, name_len) > NAME_MAX_CHARS)
        return "the name must be 1 to 32 characters of UTF-8";
    if (e->kind == CAL_WORKDAY && weekday(e->day) != 0 && weekday(e->day) != 6)
        return "an adjusted workday must fall on a Saturday or Sunday";
    for (size_t i = 0; i < f->n; i++)
        if (f->entries[i].day.day == e->day)
            return "the date is listed twice";
    if (f->n == ENTRIES_MAX)
        return "too many lines";
    return NULL;
}

static void add_year(holiday_file *f, int y)
{
    for (size_t i = 0; i < f->n_years; i++)
        if (f->years[i] == y)
            return;
    if (f->n_years < YEARS_MAX)
        f->years[f->n_years++] = y;
}

/* Parses every line; prints each bad one; returns how many were bad. */
static int parse(char *text, size_t len, holiday_file *f)
{
    int bad = 0, line_no = 0;
    for (char *p = text, *end = text + len; p < end; line_no++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        cal_exception e;
        const char *name, *why = NULL;
        size_t name_len;
        bool entry;
        if (calendar_parse_line(p, n, &e, &name, &name_len, &entry) != 0)
            why = "expected YYYY-MM-DD<TAB>holiday|workday<TAB>name";
        else if (entry && !(why = check_entry(f, &e, name, name_len))) {
            char *copy = strndup(name, name_len);
            f->entries[f->n++] = (calendar_entry){e, copy ? copy : ""};
            add_year(f, cal_day_year(e.day));
        }
        if (why) {
            fprintf(stderr, "set-holidays: line %d: %s\n", line_no + 1, why);
            bad++;
        }
        p += n + 1;
    }
    return bad;
}

static int store(const holiday_file *f)
{
    int rc = calendar_store_replace_years(db_primary(), f->years, f->n_years, f->entries, f->n);
    if (rc != DB_OK) {
        fprintf(stderr, "set-holidays: the database refused the change (%d)\n", rc);
        return 1;
    }
    printf("years:");
    for (size_t i = 0; i < f->n_years; i++)
        printf(" %d", f->years[i]);
    printf("\ndays: %zu\n", f->n);
    return 0;
}

int calendar_admin_set_holidays(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "set-holidays: cannot open %s\n", path);
        return 1;
    }
    char *text = malloc(FILE_MAX_BYTES + 1);
    size_t len = text ? fread(text, 1, FILE_MAX_BYTES + 1, in) : 0;
    fclose(in);
    holiday_file *f = calloc(1, sizeof *f);
    int status = 1;
    if (!text || !f || len > FILE_MAX_BYTES)
        fprintf(stderr, "set-holidays: %s is larger than 1 MiB (or out of memory)\n", path);
    else if (parse(text, len, f) > 0)
        fprintf(stderr, "set-holidays: nothing written\n");
    else if (f->n == 0)
        fprintf(stderr, "set-holidays: %s lists no day\n", path);
    else
        status = store(f);
    for (size_t i = 0; f && i < f->n; i++)
        if (*f->entries[i].name)
            free((char *)f->entries[i].name);
    free(f);
    free(text);
    return status;
}
