#include "search/search_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/calendar.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/refresher.h"
#include "db/db.h"
#include "db/search_log_store.h"
#include "search/normalize.h"
#include "search/search.h"

#define SLOTS 4096
#define QUERY_BYTES (SEARCH_MAX_QUERY_CHARS * 4 + 1)

typedef struct slot {
    bool used;
    uint8_t hash[SEARCH_LOG_HASH_BYTES];
    char query[QUERY_BYTES]; /* "" for an open counted before its search here */
    uint32_t searches, empty, opens;
} slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slot slots[SLOTS];
static size_t used, dropped;

/* The end of the run of digits at c[i] (i itself when there is none), maybe split by single
 * spaces (punctuation became spaces), maybe ending in x (ID numbers); *digits: its digits. */
static size_t number_run(const uint32_t *c, size_t n, size_t i, size_t *digits)
{
    size_t j = i;
    *digits = 0;
    while (j < n && ((c[j] >= '0' && c[j] <= '9') || (*digits && c[j] == 'x') ||
                     (*digits && c[j] == ' ' && j + 1 < n && c[j + 1] >= '0' && c[j + 1] <= '9')))
        *digits += c[j++] != ' ';
    return j;
}

/* normalize_text reads at most NORM_MAX_CHARS * 4 bytes at once: a longer text is scanned in
 * pieces that overlap by NUMBER_OVERLAP bytes, more than any number with its spaces (an ID
 * number in full-width digits is 54 bytes), so a number on a piece's edge is seen whole. */
#define NUMBER_PIECE (NORM_MAX_CHARS * 4)
#define NUMBER_OVERLAP 256

static bool piece_has_number(const char *text, size_t len, uint32_t *c, size_t min_digits)
{
    size_t n = normalize_text(text, len, c, len + 1, true), digits = 0;
    for (size_t i = 0; i < n;) {
        size_t j = number_run(c, n, i, &digits);
        if (digits >= min_digits)
            return true;
        i = j > i ? j : i + 1;
    }
    return false;
}

bool search_text_has_number(const char *text, size_t min_digits)
{
    size_t len = strlen(text);
    uint32_t *c = malloc((NUMBER_PIECE + 1) * sizeof *c);
    if (!c)
        return true; /* cannot tell: refuse rather than publish a number */
    bool found = false;
    for (size_t start = 0; !found;) {
        size_t end = len - start > NUMBER_PIECE ? start + NUMBER_PIECE : len;
        while (end < len && ((unsigned char)text[end] & 0xC0) == 0x80)
            end--; /* a piece ends on a character's first byte */
        found = piece_has_number(text + start, end - start, c, min_digits);
        if (end == len)
            break;
        start = end - NUMBER_OVERLAP;
        while (((unsigned char)text[start] & 0xC0) == 0x80)
            start++;
    }
    free(c);
    return found;
}

void search_log_text(const char *q, char *out, size_t cap)
{
    uint32_t c[SEARCH_MAX_QUERY_CHARS * 2];
    size_t n = normalize_text(q, strlen(q), c, sizeof c / sizeof *c, true), k = 0;
    for (size_t i = 0; i < n;) {
        size_t digits, j = number_run(c, n, i, &digits);
        if (digits >= SEARCH_LOG_NUMBER_DIGITS) {
            c[k++] = '#';
            i = j;
        } else if (j > i) {
            while (i < j)
                c[k++] = c[i++];
        } else
            c[k++] = c[i++];
    }
    normalize_to_utf8(c, k, out, cap);
}

/* The slot of hash (NULL when the table is full), under lock. */
static slot *slot_of(const uint8_t *hash)
{
    uint32_t h;
    memcpy(&h, hash, sizeof h);
    for (size_t i = 0, at = h % SLOTS; i < SLOTS; i++, at = (at + 1) % SLOTS) {
        slot *s = &slots[at];
        if (!s->used) {
            if (used * 4 >= SLOTS * 3)
                return NULL; /* three quarters full: the next flush empties it */
            memset(s, 0, sizeof *s);
            s->used = true;
            memcpy(s->hash, hash, sizeof s->hash);
            used++;
            return s;
        }
        if (memcmp(s->hash, hash, sizeof s->hash) == 0)
            return s;
    }
    return NULL;
}

void search_log_search(const char *q, bool empty, char *search_id)
{
    char text[QUERY_BYTES];
    search_log_text(q, text, sizeof text);
    search_id[0] = '\0';
    if (!text[0])
        return;
    uint8_t hash[SEARCH_LOG_HASH_BYTES];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)text, strlen(text), NULL, 0);
    sodium_bin2hex(search_id, SEARCH_ID_CHARS + 1, hash, sizeof hash);
    pthread_mutex_lock(&lock);
    slot *s = slot_of(hash);
    if (s) {
        if (!s->query[0])
            snprintf(s->query, sizeof s->query, "%s", text);
        s->searches++;
        s->empty += empty;
    } else
        dropped++;
    pthread_mutex_unlock(&lock);
}

bool search_log_open(const char *search_id)
{
    uint8_t hash[SEARCH_LOG_HASH_BYTES];
    size_t len = 0;
    if (strlen(search_id) != SEARCH_ID_CHARS ||
        sodium_hex2bin(hash, sizeof hash, search_id, SEARCH_ID_CHARS, NULL, &len, NULL) != 0 ||
        len != sizeof hash)
        return false;
    pthread_mutex_lock(&lock);
    slot *s = slot_of(hash);
    if (s)
        s->opens++;
    else
        dropped++;
    pthread_mutex_unlock(&lock);
    return true;
}

static void prune(const char *today)
{
    static int64_t pruned_at;
    if (pruned_at && clock_mono_ms() - pruned_at < 3600 * 1000)
        return;
    pruned_at = clock_mono_ms();
    char before[CAL_DATE_BYTES];
    cal_day d;
    if (cal_day_parse(today, &d) != 0)
        return;
    cal_day_format(d - SEARCH_LOG_KEEP_DAYS, before);
    if (search_log_store_prune(db_primary(), before) != DB_OK)
        log_msg(LOG_WARN, "search log: could not delete the rows before %s", before);
}

void search_log_flush(void)
{
    static slot batch[SLOTS];
    static search_log_row rows[SLOTS];
    pthread_mutex_lock(&lock);
    size_t n = 0, lost = dropped;
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].used)
            batch[n++] = slots[i];
    memset(slots, 0, sizeof slots);
    used = dropped = 0;
    pthread_mutex_unlock(&lock);
    char day[CAL_DATE_BYTES];
    cal_day_format(cal_today(), day);
    for (size_t i = 0; i < n; i++)
        rows[i] = (search_log_row){day,
                                   batch[i].hash,
                                   batch[i].query[0] ? batch[i].query : NULL,
                                   batch[i].searches,
                                   batch[i].empty,
                                   batch[i].opens};
    if (n && search_log_store_add(db_primary(), rows, n) != DB_OK)
        log_msg(LOG_WARN, "search log: %zu queries not recorded (database away?)", n);
    if (lost)
        log_msg(LOG_WARN, "search log: %zu searches not counted (table full)", lost);
    prune(day);
}

static void tick(bool stopping)
{
    (void)stopping; /* the last beat flushes too */
    search_log_flush();
}

int search_log_init(const ow_config *cfg)
{
    return refresher_add(tick, cfg->catalog_refresh_ms);
}
