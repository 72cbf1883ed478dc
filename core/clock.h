/* The clocks: the monotonic one for durations, deadlines and intervals, the wall clock in
 * unix milliseconds, and a plain sleep. The one place the process reads them with
 * clock_gettime (dates come from time(2) and core/calendar.h). */
#ifndef OW_CLOCK_H
#define OW_CLOCK_H

#include <stdint.h>

int64_t clock_mono_us(void);
int64_t clock_mono_ms(void);
/* Wall-clock time in unix milliseconds (log lines, revocation times). */
int64_t clock_real_ms(void);
/* CPU time the calling thread has used, in milliseconds (what a piece of work cost, whatever
 * else the machine runs meanwhile). */
int64_t clock_thread_cpu_ms(void);
/* Sleeps about ms milliseconds (a signal may end it early). */
void clock_sleep_ms(int ms);

/* "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339 in UTC, API.md §1) of a unix time. */
#define CLOCK_RFC3339_BYTES 21
void clock_rfc3339(int64_t unix_s, char out[CLOCK_RFC3339_BYTES]);

#endif
