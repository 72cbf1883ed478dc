/* libFuzzer: the DSN parser (core/dsn.c) and the client key (core/client_key.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/client_key.h"
#include "core/dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    db_target t;
    if (dsn_parse(text, &t) == 0 &&
        (!t.host[0] || !t.database[0] || strlen(t.socket) >= sizeof t.socket))
        __builtin_trap(); /* accepted without a host or a database */
    char key[CLIENT_KEY_BYTES];
    client_key_of(text, key, sizeof key);
    free(text);
    return 0;
}
