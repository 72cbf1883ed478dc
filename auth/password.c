#include "auth/password.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

#include "core/config.h"

static unsigned long long opslimit(void)
{
    return (unsigned long long)config_current()->pwhash_ops;
}

static size_t memlimit(void)
{
    return (size_t)config_current()->pwhash_mem_kib * 1024;
}

int password_hash(const char *password, char out[PASSWORD_HASH_BYTES])
{
    return crypto_pwhash_str(out, password, strlen(password), opslimit(), memlimit()) == 0 ? 0 : -1;
}

bool password_verify(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static char dummy[PASSWORD_HASH_BYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    password_hash("a password nobody has", dummy);
}

void password_verify_dummy(const char *password)
{
    pthread_once(&dummy_once, make_dummy);
    (void)password_verify(dummy, password);
}

static atomic_int slots_taken;

bool password_slot_take(void)
{
    int limit = config_current()->pwhash_concurrency;
    if (atomic_fetch_add(&slots_taken, 1) < limit)
        return true;
    atomic_fetch_sub(&slots_taken, 1);
    return false;
}

void password_slot_give(void)
{
    atomic_fetch_sub(&slots_taken, 1);
}

bool password_acceptable(const char *password)
{
    size_t len = strlen(password);
    size_t chars = u8_mbsnlen((const uint8_t *)password, len);
    if (chars < 8 || chars > PASSWORD_MAX_CHARS)
        return false;
    return strspn(password, "0123456789") != len;
}
