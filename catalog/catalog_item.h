/* One service item of an imported catalog (the format of data/catalog-sample.json),
 * validated and put in canonical form (catalog_item, the row db/catalog_import.h writes),
 * with the hash that tells a re-import whether it changed. */
#ifndef OW_CATALOG_ITEM_H
#define OW_CATALOG_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "db/catalog_import.h"

#define CATALOG_CODE_MAX 64
#define CATALOG_NAME_MAX 100
#define CATALOG_NAME_EN_MAX 200
#define CATALOG_FEE_MAX 200
#define CATALOG_DESCRIPTION_MAX 2000
#define CATALOG_KEYWORDS_MAX 20
#define CATALOG_KEYWORD_MAX 32
#define CATALOG_TOPICS_MAX 10
#define CATALOG_DAYS_MAX 3650
/* min_assurance_level when an item names none: any real name (auth/identity_provider.h) */
#define CATALOG_ASSURANCE_DEFAULT 2

/* Whether s can be an item's code: 1 to CATALOG_CODE_MAX letters, digits, '-' and '_'. */
bool catalog_code_ok(const char *s);

/* Validates obj into item (strings from the arena). 0, or -1 with the reason in why. */
int catalog_item_parse(const cJSON *obj, const catalog_codes *codes, arena *a, catalog_item *item,
                       char *why, size_t whylen);

#endif
