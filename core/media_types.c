#include "core/media_types.h"

#include <string.h>

static const struct {
    const char *type, *ext;
} media[] = {
    {"image/jpeg", "jpg"},
    {"image/png", "png"},
    {"application/pdf", "pdf"},
};

const char *const media_types[] = {"image/jpeg", "image/png", "application/pdf", NULL};

const char *media_type_known(const char *type)
{
    for (size_t i = 0; type && i < sizeof media / sizeof *media; i++)
        if (strcmp(type, media[i].type) == 0)
            return media[i].type;
    return NULL;
}

const char *media_type_ext(const char *type)
{
    for (size_t i = 0; i < sizeof media / sizeof *media; i++)
        if (strcmp(type, media[i].type) == 0)
            return media[i].ext;
    return "bin";
}
