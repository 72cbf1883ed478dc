/* The loop that learns (issue 14): each worker counts, per normalized query, its searches,
 * its empty answers and the opened results, and adds them to the search log (db/search_log_
 * store.h) on the refresher's beat. A result counts as opened when the client fetches the
 * item's detail with the answer's search_id (GET /api/v1/services/{code}?search_id=…): the
 * app already fetches the detail when a result is tapped, so no extra request, and nothing
 * about the client is kept. Text that looks like a phone, ID or account number (a run of 5
 * or more digits, spaces between them allowed) is never stored: the run becomes '#'. */
#ifndef OW_SEARCH_LOG_H
#define OW_SEARCH_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

#define SEARCH_ID_CHARS 32 /* hex of 16 bytes */
#define SEARCH_LOG_KEEP_DAYS 90

/* Registers the flush with core/refresher.c (before it starts). */
int search_log_init(const ow_config *cfg);

/* What looks like a phone, ID or account number: a run of digits (single spaces or
 * punctuation between them allowed, maybe ending in x) at least this long. The miss log
 * masks such runs from 5 digits; published text (public questions) refuses them from 7:
 * answers name the 5-digit service hotlines (12345, 12315), and every phone number (7 and
 * 8-digit local, 11-digit mobile) or ID number (15, 18) is longer. */
#define SEARCH_LOG_NUMBER_DIGITS 5
#define PUBLIC_TEXT_NUMBER_DIGITS 7

/* True when text holds a run of min_digits or more (above). */
bool search_text_has_number(const char *text, size_t min_digits);

/* The stored form of a query: normalized (search/normalize.h), digit runs masked; "" when
 * nothing is left. out holds at least 64 * 4 + 1 bytes. */
void search_log_text(const char *q, char *out, size_t cap);

/* Counts a search (empty: it found nothing) and writes its search_id (SEARCH_ID_CHARS + 1
 * bytes, "" when the text is blank). */
void search_log_search(const char *q, bool empty, char *search_id);

/* Counts an open of a result of the search search_id; false when the id is malformed. */
bool search_log_open(const char *search_id);

/* Adds the buffered counts to the database now (admin and tests; the refresher does it). */
void search_log_flush(void);

#endif
