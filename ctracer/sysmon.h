/* SysMon: the sys.monitoring core (Python 3.12+), callbacks written in C. */
#ifndef COVCORE_SYSMON_H
#define COVCORE_SYSMON_H

#include "util.h"
#include "lineset.h"
#include "stats.h"

#if COVCORE_HAS_SYSMON

#include "sysflow.h"

/* Branch mode: where a measured code object stands (see sysflow.h). */
enum {
    FLOW_NONE,      /* outside the model, or running at start(): always tracked */
    FLOW_ON,        /* tracked until every arc of its flow is recorded */
    FLOW_OFF,       /* every arc recorded: no local events, frames untracked */
};

/* What covcore remembers on a code object, in its co_extra slot. */
typedef struct CodeRecord {
    uint64_t generation;    /* the SysMon run that decided */
    LineSet *file_data;     /* borrowed, valid while that run's data lives; NULL: not measured */
    CodeFlow *flow;         /* owned: the code's arcs, NULL when outside the model */
    int flow_built;         /* `flow` was computed (it depends on the code only) */
    int state;              /* FLOW_*, for this run */
    int readers_done;       /* FLOW_ON: every reading line's arcs are recorded,
                             * so frames need no tracking (see untracked()) */
    uint64_t readers_version;   /* file_data's version when readers_done was last computed */
    unsigned char *reached; /* owned, PyMem_Raw: per line of the flow, it has run (this run) */
    Py_ssize_t satisfied_off;   /* locations turned off with a reader's arcs still missing */
    Py_ssize_t exact_frames;    /* entries of its frames with `exact` set: while
                                 * there are any, no location of it turns off */
    uint64_t seen_version;  /* file_data's version at the last completeness check */
    Py_ssize_t missing;     /* index of an arc of `flow` found missing then */
    int line_state;         /* LINES_*, line mode, for this run */
    int starts;             /* line mode: PY_START events seen while LINES_COUNTING */
} CodeRecord;


/* A frame of measured code that started (or resumed) while measuring;
 * branch mode only.
 */
typedef struct SysMonEntry {
    PyCodeObject *code;     /* borrowed: the running frame keeps it alive */
    LineSet *file_data;     /* borrowed: the tracer's data dict keeps it alive */
    CodeRecord *record;     /* borrowed: lives as long as the code */
    int last_line;
    struct _PyInterpreterFrame *iframe;     /* the frame (live while the entry is) */
    int exact;              /* last_line is the previous line, not the last
                             * written one: every line event reports (see
                             * line_reached() in sysmon.c) */
    int stale;              /* suspended: last_line may be stale, the frame
                             * resumes exact (see resume_frame()) */
} SysMonEntry;

/* The entries of suspended generator frames of modelled code, by frame
 * (open addressing; `iframe` NULL marks a free slot).
 */
typedef struct SuspendedTable {
    SysMonEntry *slots;     /* owned: PyMem array of `alloc` (a power of two, or 0) */
    Py_ssize_t alloc;
    Py_ssize_t used;
} SuspendedTable;

/* How many handled exceptions' raising lines SysMon remembers. */
#define SYSMON_RAISED 8

/* The frames of one thread, innermost last. */
typedef struct ThreadStack {
    uint64_t thread_id;     /* PyThreadState_GetID: never reused */
    SysMonEntry *entries;   /* owned: PyMem array of `alloc` */
    Py_ssize_t depth;       /* index of the innermost entry, -1 when empty */
    Py_ssize_t alloc;
} ThreadStack;

typedef struct SysMon {
    PyObject_HEAD

    /* Owned, set by the controller before start(). */
    PyObject *should_trace;
    PyObject *should_trace_cache;
    PyObject *data;
    int trace_arcs;

    int started;
    int activity;
    int lines_kept;             /* line mode: restart_events() was called, no code is switched off */
    int tool_id;                /* -1 when not registered */
    uint64_t generation;        /* tags this run's records on code objects */

    PyObject *monitoring;       /* owned: the sys.monitoring module */
    PyObject *disable;          /* owned: sys.monitoring.DISABLE */
    PyObject *set_local;        /* owned: sys.monitoring.set_local_events, while started */
    PyObject *tool_id_obj;      /* owned: tool_id as an int object, while started */
    PyObject *instrumented;     /* owned: list of the code objects given local events */
    PyObject *pinned;           /* owned: branch mode, set of code objects running at start() */

    ThreadStack *threads;       /* owned: PyMem array, `n_threads` used */
    Py_ssize_t n_threads;
    Py_ssize_t alloc_threads;
    PyThreadState *cur_tstate;  /* the thread of threads[cur_thread] */
    Py_ssize_t cur_thread;

    Py_ssize_t misfits;         /* branch mode: code objects the flow model did not fit */
    /* Branch mode: the lines that raised the exceptions handled last, by
     * frame, newest at raised_next - 1 (a ring; see on_exception_handled()).
     */
    struct {
        struct _PyInterpreterFrame *iframe;
        int line;
    } raised[SYSMON_RAISED];
    int raised_next;
    SuspendedTable suspended;   /* branch mode: suspended generator frames' entries */
    Stats stats;
} SysMon;

extern PyTypeObject SysMonType;

/* Module init: reserve the code-object extra slot.  RET_OK or RET_ERROR. */
int SysMon_init_module(void);

#endif /* COVCORE_HAS_SYSMON */

#endif /* COVCORE_SYSMON_H */
