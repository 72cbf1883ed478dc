/* onewindow-admin rotate-keys [--if-missing]: a new ES256 key becomes current (sealed with
 * the master key); the previous one keeps verifying until its last token has expired.
 * --if-missing creates one only when there is none (scripts/stack.sh on first start).
 * Prints "kid: …" and "created: true|false"; returns the exit status. */
#ifndef OW_KEYS_ADMIN_H
#define OW_KEYS_ADMIN_H

#include <stdbool.h>

#include "core/config.h"

int keys_admin_rotate(const ow_config *cfg, bool if_missing);

#endif
