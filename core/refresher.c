#include "core/refresher.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "core/clock.h"

#define MAX_TASKS 12
#define TICK_MS 25

typedef struct task {
    refresher_task fn;
    int interval_ms;
    int64_t due_ms;
} task;

static task tasks[MAX_TASKS];
static int n_tasks;
static pthread_t thread;
static atomic_bool stopping, running;
static void (*thread_end)(void);

int refresher_add(refresher_task fn, int interval_ms)
{
    if (n_tasks == MAX_TASKS || atomic_load(&running))
        return -1;
    tasks[n_tasks++] = (task){fn, interval_ms, 0};
    return 0;
}

static void *loop(void *unused)
{
    (void)unused;
    while (!atomic_load(&stopping)) {
        for (int i = 0; i < n_tasks && !atomic_load(&stopping); i++)
            if (clock_mono_ms() >= tasks[i].due_ms) {
                tasks[i].fn(false);
                tasks[i].due_ms = clock_mono_ms() + tasks[i].interval_ms;
            }
        struct timespec tick = {0, TICK_MS * 1000000L};
        nanosleep(&tick, NULL);
    }
    for (int i = 0; i < n_tasks; i++)
        tasks[i].fn(true);
    if (thread_end)
        thread_end();
    return NULL;
}

int refresher_start(void (*at_thread_end)(void))
{
    thread_end = at_thread_end;
    atomic_store(&stopping, false);
    if (pthread_create(&thread, NULL, loop, NULL) != 0)
        return -1;
    atomic_store(&running, true);
    return 0;
}

void refresher_stop(void)
{
    if (!atomic_load(&running))
        return;
    atomic_store(&stopping, true);
    pthread_join(thread, NULL);
    atomic_store(&running, false);
    n_tasks = 0;
}
