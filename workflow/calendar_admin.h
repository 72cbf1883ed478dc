/* set-holidays FILE (API.md §9): the official holidays and adjusted workdays of the years in
 * FILE (the format of data/holidays.tsv) replace those years' calendar; workers reload
 * within calendar_refresh_ms. Nothing is written when a line is bad. */
#ifndef OW_CALENDAR_ADMIN_H
#define OW_CALENDAR_ADMIN_H

int calendar_admin_set_holidays(const char *path);

#endif
