#include "core/json_out.h"

#include <stdio.h>

void json_add_string_or_null(cJSON *o, const char *name, const char *value)
{
    if (value)
        cJSON_AddStringToObject(o, name, value);
    else
        cJSON_AddNullToObject(o, name);
}

void json_print_line(cJSON *o)
{
    char *line = cJSON_PrintUnformatted(o);
    if (line)
        puts(line);
    cJSON_free(line);
    cJSON_Delete(o);
}
