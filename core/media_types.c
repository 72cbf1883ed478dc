#include "core/media_types.h"

#include <string.h>

/* The one list: each accepted type with its extension. */
#define MEDIA_TYPES(X)                                                                             \
    X("image/jpeg", "jpg")                                                                         \
    X("image/png", "png")                                                                          \
    X("application/pdf", "pdf")

#define MEDIA_TYPE_NAME(type, ext) type,
#define MEDIA_TYPE_EXT(type, ext) ext,

const char *const media_types[] = {MEDIA_TYPES(MEDIA_TYPE_NAME) NULL};
static const char *const media_exts[] = {MEDIA_TYPES(MEDIA_TYPE_EXT) NULL};

static int media_index(const char *type)
{
    for (int i = 0; type && media_types[i]; i++)
        if (strcmp(type, media_types[i]) == 0)
            return i;
    return -1;
}

const char *media_type_known(const char *type)
{
    int i = media_index(type);
    return i < 0 ? NULL : media_types[i];
}

const char *media_type_ext(const char *type)
{
    int i = media_index(type);
    return i < 0 ? "bin" : media_exts[i];
}
