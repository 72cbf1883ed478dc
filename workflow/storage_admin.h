/* `onewindow-admin storage --check | --sweep`: storage hygiene (README "Uploads and
 * materials"). --check lists every mismatch between the object store and the database (an
 * object nothing refers to, a referred object the store lacks, an upload attached to an
 * application that does not exist) and exits 1 when there is any; --sweep runs the expiry
 * of unattached uploads once, as the workers do every upload_sweep_s. */
#ifndef OW_STORAGE_ADMIN_H
#define OW_STORAGE_ADMIN_H

#include "core/config.h"

int storage_admin(const ow_config *cfg, int argc, char **argv);

#endif
