#include "auth/enterprise_registry.h"

#include <string.h>

#include "auth/gb_ids.h"
#include "core/config.h"

registry_verdict enterprise_verify(const char *credit_code, const char *name, const char *role,
                                   const char **verified_by)
{
    (void)name;
    (void)role;
    const ow_config *cfg = config_current();
    *verified_by = cfg ? cfg->enterprise_registry : "dev";
    if (strcmp(*verified_by, "dev") != 0)
        return REGISTRY_UNAVAILABLE; /* no other registry is built in yet */
    return gb32100_valid(credit_code) ? REGISTRY_CONFIRMED : REGISTRY_REFUSED;
}
