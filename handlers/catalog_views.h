/* What the catalog handlers share (handlers/services.c, staff_catalog.c): the parts of an
 * item's JSON that the public detail and the editors' view write alike. */
#ifndef OW_CATALOG_VIEWS_H
#define OW_CATALOG_VIEWS_H

#include <cjson/cJSON.h>

#include "db/catalog_store.h"

/* audience, kind, online_level, legal_days, promised_days, min_assurance_level, fee. */
void catalog_views_add_terms(cJSON *o, const catalog_detail *d);
/* key: the JSON array stored as text (materials, keywords, topic codes); [] if it is none. */
void catalog_views_add_list(cJSON *o, const char *key, const char *json);
/* form_schema: the JSON object stored as text, or null when the item has none. */
void catalog_views_add_form_schema(cJSON *o, const char *json);

#endif
