/* onewindow-admin import-life-events FILE (API.md §9): the bundles of data/life-events.json,
 * each validated on its own and against the catalog (every service active, forms and
 * materials that merge, produced materials some other service of the bundle needs); any
 * problem is listed and nothing is written, else one transaction upserts them all and
 * retires the bundles missing from the file. Prints name: value lines; returns the exit
 * status. The database must be initialized by the caller. */
#ifndef OW_LIFE_EVENT_ADMIN_H
#define OW_LIFE_EVENT_ADMIN_H

int life_event_admin_import(const char *path);

#endif
