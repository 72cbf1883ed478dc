#include "auth/keys_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/es256.h"
#include "auth/seal.h"
#include "auth/token.h"
#include "db/keys_store.h"

/* Generates a key pair and its kid; the sealed private key in *sealed (malloc'd). */
static int new_key(const uint8_t *master, char kid[ES256_KID_BYTES], char **public_pem,
                   uint8_t **sealed, size_t *sealed_len)
{
    char *private_pem = NULL;
    *sealed = NULL;
    if (es256_generate(&private_pem, public_pem) != 0) {
        free(private_pem);
        return -1;
    }
    EVP_PKEY *pub = es256_public_from_pem(*public_pem);
    char x[ES256_COORD_B64], y[ES256_COORD_B64];
    int rc = pub && es256_jwk_xy(pub, x, y) == 0 ? 0 : -1;
    EVP_PKEY_free(pub);
    size_t len = strlen(private_pem);
    if (rc == 0) {
        es256_thumbprint(x, y, kid);
        char purpose[96];
        snprintf(purpose, sizeof purpose, "signing-key:%s", kid);
        *sealed_len = len + SEAL_OVERHEAD;
        *sealed = malloc(*sealed_len);
        if (*sealed)
            seal(master, purpose, (const uint8_t *)private_pem, len, *sealed);
        else
            rc = -1;
    }
    sodium_memzero(private_pem, len);
    free(private_pem);
    return rc;
}

int keys_admin_rotate(const ow_config *cfg, bool if_missing)
{
    uint8_t master[MASTER_KEY_BYTES];
    char err[300], kid[ES256_KID_BYTES] = "";
    if (master_key_load(cfg->master_key_file, master, err, sizeof err) != 0) {
        fprintf(stderr, "rotate-keys: %s\n", err);
        return 1;
    }
    char *public_pem = NULL;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    bool created = false;
    int status = 1;
    if (new_key(master, kid, &public_pem, &sealed, &sealed_len) != 0)
        fprintf(stderr, "rotate-keys: key generation failed\n");
    else if (keys_store_rotate(db_primary(), kid, public_pem, sealed, sealed_len,
                               cfg->key_publish_ahead_s, cfg->access_ttl_s + TOKEN_SKEW_S,
                               if_missing, &created) != DB_OK)
        fprintf(stderr, "rotate-keys: database error: nothing changed\n");
    else {
        printf("kid: %s\ncreated: %s\n", created ? kid : "(unchanged)", created ? "true" : "false");
        status = 0;
    }
    sodium_memzero(master, sizeof master);
    free(public_pem);
    free(sealed);
    return status;
}
