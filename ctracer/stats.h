/* Optional counters of the tracer's work.
 *
 * Compiled in only when COVCORE_STATS is defined (the build sets it when
 * COVCORE_STATS=1 is in the environment); otherwise STATS(...) expands to
 * nothing and costs nothing.
 */
#ifndef COVCORE_STATS_H
#define COVCORE_STATS_H

#include <stdint.h>

#ifdef COVCORE_STATS
#define STATS(x)    do { x; } while (0)
#else
#define STATS(x)    do { } while (0)
#endif

typedef struct Stats {
    uint64_t calls;          /* call events (real calls and resumes) */
    uint64_t lines;          /* line events */
    uint64_t returns;        /* return events */
    uint64_t others;         /* exception, opcode and C-function events */
    uint64_t files;          /* should_trace consultations (cache misses) */
    uint64_t cache_hits;     /* file decisions answered by the cache */
    uint64_t stack_reallocs; /* growths of the data stack */
    uint64_t new_files;      /* LineSets created */
    uint64_t complete_skips; /* frames of fully covered code run without line events */
    uint64_t context_checks; /* concurrency_id() calls (greenlet mode) */
    uint64_t context_switches; /* active data stack changes (greenlet mode) */
} Stats;

#endif /* COVCORE_STATS_H */
