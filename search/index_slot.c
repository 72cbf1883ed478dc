#include "search/index_slot.h"

#include <malloc.h>
#include <stdatomic.h>
#include <time.h>

#include "core/clock.h"

const search_index *index_slot_acquire(index_slot *s)
{
    pthread_mutex_lock(&s->lock);
    search_index *ix = s->current;
    if (ix)
        atomic_fetch_add(&ix->refs, 1);
    pthread_mutex_unlock(&s->lock);
    return ix;
}

void index_slot_release(const search_index *ix)
{
    if (ix)
        atomic_fetch_sub(&((search_index *)ix)->refs, 1);
}

void index_slot_publish(index_slot *s, search_index *ix)
{
    pthread_mutex_lock(&s->lock);
    search_index *old = s->current;
    s->current = ix;
    pthread_cond_broadcast(&s->first_build);
    pthread_mutex_unlock(&s->lock);
    if (!old)
        return;
    while (atomic_load(&old->refs) > 0)
        clock_sleep_ms(2);
    search_index_free(old);
    malloc_trim(0); /* give the old snapshot's pages back at once */
}

bool index_slot_wait(index_slot *s, int wait_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    while (!s->current && pthread_cond_timedwait(&s->first_build, &s->lock, &until) == 0)
        ;
    bool ready = s->current != NULL;
    pthread_mutex_unlock(&s->lock);
    return ready;
}

void index_slot_free(index_slot *s)
{
    pthread_mutex_lock(&s->lock);
    search_index *ix = s->current;
    s->current = NULL;
    pthread_mutex_unlock(&s->lock);
    for (int waited = 0; ix && atomic_load(&ix->refs) > 0 && waited < 1000; waited += 2)
        clock_sleep_ms(2);
    if (ix && atomic_load(&ix->refs) == 0)
        search_index_free(ix);
}
