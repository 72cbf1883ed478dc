#include "auth/keyring.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/seal.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/refresher.h"
#include "db/keys_store.h"

#define KEYS_REFRESH_MS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static keyring *current;
static uint8_t master[MASTER_KEY_BYTES];
static bool have_master;

const keyring *keyring_acquire(void)
{
    pthread_mutex_lock(&lock);
    keyring *kr = current;
    if (kr)
        atomic_fetch_add(&kr->refs, 1);
    pthread_mutex_unlock(&lock);
    return kr;
}

void keyring_release(const keyring *kr)
{
    if (kr)
        atomic_fetch_sub(&((keyring *)kr)->refs, 1);
}

const signing_key *keyring_find(const keyring *kr, const char *kid, size_t kid_len)
{
    for (size_t i = 0; kr && i < kr->n; i++)
        if (strlen(kr->keys[i].kid) == kid_len && memcmp(kr->keys[i].kid, kid, kid_len) == 0)
            return &kr->keys[i];
    return NULL;
}

const signing_key *keyring_signer(const keyring *kr, int64_t now_ms)
{
    const signing_key *best = NULL;
    for (size_t i = 0; kr && i < kr->n; i++) {
        const signing_key *k = &kr->keys[i];
        if (k->private_pem && k->signs_from_ms <= now_ms &&
            (!best || k->signs_from_ms > best->signs_from_ms))
            best = k;
    }
    return best;
}

static void forget_private(signing_key *k)
{
    if (k->private_pem) {
        sodium_memzero(k->private_pem, k->private_len);
        free(k->private_pem);
    }
    k->private_pem = NULL;
}

void keyring_destroy(keyring *kr)
{
    if (!kr)
        return;
    for (size_t i = 0; i < kr->n; i++) {
        EVP_PKEY_free(kr->keys[i].pub);
        forget_private(&kr->keys[i]);
    }
    free(kr);
}

typedef struct load_ctx {
    keyring *kr;
    const uint8_t *master;
} load_ctx;

/* The sealed private key of kid, unsealed (malloc'd, NUL-terminated), or NULL. */
static char *unseal_private(const uint8_t *key, const char *kid, const void *sealed,
                            size_t sealed_len, size_t *len)
{
    if (!key || sealed_len <= SEAL_OVERHEAD)
        return NULL;
    *len = sealed_len - SEAL_OVERHEAD;
    char *pem = malloc(*len + 1);
    char purpose[96];
    snprintf(purpose, sizeof purpose, "signing-key:%s", kid);
    if (!pem || unseal(key, purpose, sealed, sealed_len, (uint8_t *)pem) != 0) {
        free(pem);
        return NULL;
    }
    pem[*len] = '\0';
    return pem;
}

/* A key is trusted only when its private part opens with the master key and matches its
 * public key and kid: a row written into the database without the master key is ignored. */
static bool key_authentic(const char *kid, const char *private_pem, const signing_key *k)
{
    char x[ES256_COORD_B64], y[ES256_COORD_B64], thumb[ES256_KID_BYTES];
    EVP_PKEY *priv = es256_private_from_pem(private_pem);
    bool ok = priv && es256_jwk_xy(priv, x, y) == 0 && strcmp(x, k->x) == 0 && strcmp(y, k->y) == 0;
    EVP_PKEY_free(priv);
    es256_thumbprint(k->x, k->y, thumb);
    return ok && strcmp(thumb, kid) == 0;
}

static int add_key(const char *kid, const char *pem, const void *sealed, size_t sealed_len,
                   int64_t signs_from_ms, void *p)
{
    load_ctx *ctx = p;
    keyring *kr = ctx->kr;
    if (kr->n == KEYRING_MAX || strlen(kid) >= sizeof kr->keys[0].kid)
        return 0; /* more keys than a ring holds: the oldest are left out */
    signing_key *k = &kr->keys[kr->n];
    k->pub = es256_public_from_pem(pem);
    size_t len = 0;
    char *private_pem = unseal_private(ctx->master, kid, sealed, sealed_len, &len);
    bool ok = k->pub && es256_jwk_xy(k->pub, k->x, k->y) == 0 && private_pem &&
              key_authentic(kid, private_pem, k);
    if (!ok) {
        EVP_PKEY_free(k->pub);
        k->pub = NULL;
        if (private_pem) {
            sodium_memzero(private_pem, len);
            free(private_pem);
        }
        log_msg(LOG_ERROR,
                "signing key %s: not sealed with this master key or not matching; "
                "ignored",
                kid);
        return 0;
    }
    strcpy(k->kid, kid);
    k->private_pem = private_pem;
    k->private_len = len;
    k->signs_from_ms = signs_from_ms;
    kr->n++;
    return 0;
}

keyring *keyring_load(const uint8_t *master_key, uint64_t version)
{
    keyring *kr = calloc(1, sizeof *kr);
    if (!kr)
        return NULL;
    kr->version = version;
    load_ctx ctx = {kr, master_key};
    arena a;
    arena_init(&a, 16 * 1024);
    int rc = keys_store_each(db_primary(), &a, add_key, &ctx);
    arena_destroy(&a);
    if (rc != DB_OK) {
        keyring_destroy(kr);
        return NULL;
    }
    return kr;
}

static void publish(keyring *kr)
{
    pthread_mutex_lock(&lock);
    keyring *old = current;
    current = kr;
    pthread_mutex_unlock(&lock);
    while (old && atomic_load(&old->refs) > 0) {
        clock_sleep_ms(1);
    }
    keyring_destroy(old);
}

/* The refresher's task: reload when a rotation bumped the version. Retired keys also drop
 * out by time, so the ring is reloaded at least once a minute. */
static void keys_tick(bool stopping)
{
    static time_t loaded_at;
    if (stopping)
        return;
    arena a;
    arena_init(&a, 1024);
    uint64_t version = 0;
    int rc = keys_store_version(db_primary(), &a, &version);
    arena_destroy(&a);
    if (rc != DB_OK || (current && current->version == version && time(NULL) - loaded_at < 60))
        return;
    keyring *kr = keyring_load(have_master ? master : NULL, version);
    if (!kr) {
        log_msg(LOG_WARN, "key ring reload failed; keeping the current one");
        return;
    }
    if (kr->n == 0)
        log_msg(LOG_WARN, "no signing key: run onewindow-admin rotate-keys");
    loaded_at = time(NULL);
    publish(kr);
}

int keyring_init(const ow_config *cfg)
{
    char err[300];
    have_master = master_key_load(cfg->master_key_file, master, err, sizeof err) == 0;
    if (!have_master) /* keys are trusted only when they open with it */
        log_msg(LOG_ERROR, "%s: no token can be issued or verified", err);
    return refresher_add(keys_tick, KEYS_REFRESH_MS);
}

void keyring_free(void)
{
    pthread_mutex_lock(&lock);
    keyring *kr = current;
    current = NULL;
    pthread_mutex_unlock(&lock);
    if (kr && atomic_load(&kr->refs) == 0)
        keyring_destroy(kr);
    sodium_memzero(master, sizeof master);
}
