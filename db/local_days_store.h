/* Local days in SQL (the service's time zone, API.md §8): two temporary tables of the
 * session that let one statement turn a UTC instant into its local day without the server's
 * time-zone tables, and count working days by subtraction. local_days: one row per local day
 * with the 15-minute UTC slots it spans [first_slot, end_slot) and workday_no (working days
 * from the table's first day up to it, included); local_slots: slot (UNIX_TIMESTAMP DIV 900)
 * → day and its workday_no. Every offset of every zone is a multiple of 15 minutes, so a slot
 * never straddles two local days. Filled by workflow/local_days.c. */
#ifndef OW_LOCAL_DAYS_STORE_H
#define OW_LOCAL_DAYS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

#define LOCAL_SLOT_SECONDS 900

/* Both tables made again, empty. */
int local_days_reset(db_conn *c);
/* One day (YYYY-MM-DD). */
int local_days_add(db_conn *c, const char *day, int64_t first_slot, int64_t end_slot,
                   int64_t workday_no, bool workday);
/* local_slots filled from local_days (after the last local_days_add). */
int local_days_slots(db_conn *c);

#endif
