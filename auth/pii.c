#include "auth/pii.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

#include "auth/seal.h"
#include "core/config.h"
#include "core/log.h"
#include "db/keys_store.h"

#define DATA_KEY_PURPOSE "personal-data-key"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool loaded; /* set once, after the keys: checked without the lock */
static uint8_t enc_key[32], index_key[crypto_generichash_KEYBYTES];

/* The data key from the database, made and stored by the first process that needs it. */
static int load(const uint8_t master[MASTER_KEY_BYTES], uint8_t key[32])
{
    arena a;
    arena_init(&a, 1024);
    const void *sealed = NULL;
    size_t len = 0;
    int rc = data_key_get(db_primary(), &a, &sealed, &len);
    if (rc == DB_NOT_FOUND) {
        uint8_t fresh[32], box[32 + SEAL_OVERHEAD];
        randombytes_buf(fresh, sizeof fresh);
        seal(master, DATA_KEY_PURPOSE, fresh, sizeof fresh, box);
        sodium_memzero(fresh, sizeof fresh);
        rc = data_key_insert(db_primary(), box, sizeof box);
        if (rc == DB_OK) /* ours, or the one another process stored first */
            rc = data_key_get(db_primary(), &a, &sealed, &len);
    }
    if (rc == DB_OK &&
        (len != 32 + SEAL_OVERHEAD || unseal(master, DATA_KEY_PURPOSE, sealed, len, key) != 0))
        rc = -1;
    arena_destroy(&a);
    return rc;
}

int pii_ready(void)
{
    if (atomic_load_explicit(&loaded, memory_order_acquire))
        return DB_OK;
    pthread_mutex_lock(&lock);
    int rc = DB_OK;
    if (!loaded) {
        uint8_t master[MASTER_KEY_BYTES], key[32];
        char err[300];
        rc = master_key_load(config_current()->master_key_file, master, err, sizeof err);
        if (rc == 0)
            rc = load(master, key);
        else
            log_msg(LOG_ERROR, "%s: personal data cannot be read or written", err);
        if (rc == DB_OK) {
            crypto_kdf_derive_from_key(enc_key, sizeof enc_key, 1, "ow-pii__", key);
            crypto_kdf_derive_from_key(index_key, sizeof index_key, 2, "ow-pii__", key);
            atomic_store_explicit(&loaded, true, memory_order_release);
        } else if (rc == -1)
            log_msg(LOG_ERROR, "the personal-data key does not open with this master key");
        sodium_memzero(master, sizeof master);
        sodium_memzero(key, sizeof key);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void pii_encrypt(const char *field, const char *text, uint8_t *out, size_t *out_len)
{
    size_t len = strlen(text);
    seal(enc_key, field, (const uint8_t *)text, len, out);
    *out_len = len + PII_SEAL_OVERHEAD;
}

int pii_decrypt(const char *field, const uint8_t *sealed, size_t len, char *out, size_t cap)
{
    if (len < PII_SEAL_OVERHEAD || len - PII_SEAL_OVERHEAD >= cap ||
        unseal(enc_key, field, sealed, len, (uint8_t *)out) != 0)
        return -1;
    out[len - PII_SEAL_OVERHEAD] = '\0';
    return 0;
}

void pii_index(const char *field, const char *value, uint8_t out[PII_INDEX_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, index_key, sizeof index_key, PII_INDEX_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)field, strlen(field) + 1);
    crypto_generichash_update(&st, (const uint8_t *)value, strlen(value));
    crypto_generichash_final(&st, out, PII_INDEX_BYTES);
}

void pii_mask_phone(const char *phone, char *out, size_t cap)
{
    size_t n = strlen(phone);
    if (n < 7)
        snprintf(out, cap, "****");
    else
        snprintf(out, cap, "%.3s****%s", phone, phone + n - 4);
}

void pii_mask_id(const char *id, char *out, size_t cap)
{
    size_t n = strlen(id);
    if (n < 8) {
        snprintf(out, cap, "****");
        return;
    }
    char stars[32];
    size_t k = n - 7 < sizeof stars - 1 ? n - 7 : sizeof stars - 1;
    memset(stars, '*', k);
    stars[k] = '\0';
    snprintf(out, cap, "%.3s%s%s", id, stars, id + n - 4);
}

void pii_mask_name(const char *name, char *out, size_t cap)
{
    /* the first character, then one * per other character: 张三 → 张*, 欧阳娜娜 → 欧*** */
    const uint8_t *s = (const uint8_t *)name;
    size_t len = strlen(name), first = 0;
    ucs4_t c;
    if (len > 0)
        first = (size_t)u8_mbtouc(&c, s, len);
    size_t rest = len > first ? u8_mbsnlen(s + first, len - first) : 0;
    size_t k = 0;
    for (size_t i = 0; i < first && k + 1 < cap; i++)
        out[k++] = name[i];
    for (size_t i = 0; i < rest && k + 1 < cap; i++)
        out[k++] = '*';
    out[k < cap ? k : cap - 1] = '\0';
}
