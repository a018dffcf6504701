/* SysMon: the sys.monitoring core (Python 3.12+), callbacks written in C. */
#ifndef COVCORE_SYSMON_H
#define COVCORE_SYSMON_H

#include "util.h"
#include "lineset.h"
#include "stats.h"
#include "coderecord.h"

#if COVCORE_HAS_SYSMON

#include "sysflow.h"

/* The bits of sys.monitoring.events (their numbers: util.h). */
enum {
    EV_PY_START = 1 << PY_MONITORING_EVENT_PY_START,
    EV_PY_RESUME = 1 << PY_MONITORING_EVENT_PY_RESUME,
    EV_PY_RETURN = 1 << PY_MONITORING_EVENT_PY_RETURN,
    EV_PY_YIELD = 1 << PY_MONITORING_EVENT_PY_YIELD,
    EV_LINE = 1 << PY_MONITORING_EVENT_LINE,
    EV_INSTRUCTION = 1 << PY_MONITORING_EVENT_INSTRUCTION,
    EV_JUMP = 1 << PY_MONITORING_EVENT_JUMP,
    EV_EXCEPTION_HANDLED = 1 << PY_MONITORING_EVENT_EXCEPTION_HANDLED,
    EV_PY_UNWIND = 1 << PY_MONITORING_EVENT_PY_UNWIND,
    EV_PY_THROW = 1 << PY_MONITORING_EVENT_PY_THROW,
#if COVCORE_HAS_BRANCH_EVENTS
    EV_BRANCHES = (1 << PY_MONITORING_EVENT_BRANCH_LEFT) | (1 << PY_MONITORING_EVENT_BRANCH_RIGHT),
    EV_BRANCH_LEFT = 1 << PY_MONITORING_EVENT_BRANCH_LEFT,
    EV_BRANCH_RIGHT = 1 << PY_MONITORING_EVENT_BRANCH_RIGHT,
#else
    EV_BRANCHES = 0,
#endif
};

/* The local events of a measured code object in branch mode. */
#define BRANCH_EVENTS (EV_LINE | EV_JUMP | EV_PY_RESUME | EV_PY_RETURN | EV_PY_YIELD)

/* A frame of measured code that started (or resumed) while measuring;
 * branch mode only.
 */
typedef struct SysMonEntry {
    PyCodeObject *code;     /* borrowed: the running frame keeps it alive */
    LineSet *file_data;     /* borrowed: the tracer's data dict keeps it alive */
    CodeRecord *record;     /* borrowed: lives as long as the code */
    int last_line;          /* the frame's previous line; in modelled code
                             * (FLOW_ON) its last written line (see
                             * sysflow.c) unless `exact` */
    struct _PyInterpreterFrame *iframe;     /* the frame (live while the entry is) */
    int exact;              /* last_line is the previous line, not the last
                             * written one: every line event reports (see
                             * line_reached() in sysdone.h) */
    int stale;              /* suspended: last_line may be stale, the frame
                             * resumes exact (see resume_frame()) */
    int prev_line;          /* the line of the frame's last instruction, in
                             * ambiguous code on the INSTRUCTION path
                             * (sysinstr.h); AFTER_RESUME (sysframes.h) */
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
    int activity;               /* any event since reset_activity() */
    int lines_kept;             /* line mode: restart_events() was called, no code is switched off */
    int tool_id;                /* -1 when not registered */
    /* The program freed (and maybe took) our tool id: nothing more is
     * measured, and nothing of the tool's is touched (SysMon_tool_lost).
     */
    int lost_tool;
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
    PyThreadState *cur_tstate;  /* borrowed, only compared: the thread of threads[cur_thread] */
    Py_ssize_t cur_thread;

    Py_ssize_t misfits;         /* branch mode: code objects the flow model did not fit */
    /* Branch mode: the lines that raised the exceptions handled last, by
     * frame, newest at raised_next - 1 (a ring; see on_exception_handled()).
     */
    struct {
        struct _PyInterpreterFrame *iframe;
        int line;
    } raised[SYSMON_RAISED];
    int raised_next;            /* the slot of `raised` written next */
    SuspendedTable suspended;   /* branch mode: suspended generator frames' entries */
    int instr_rule;             /* INSTR_RULE_* (sysinstr.h), read at start() */
    Py_ssize_t instr_factor;    /* the cost rule's factor */
    Stats stats;
} SysMon;

extern PyTypeObject SysMonType;

/* What the sys.monitoring core keeps per process rather than per SysMon:
 * each of these is process-wide by nature, and this is all of it (sysmon.c
 * defines the one instance; the co_extra slot is CodeRecord_slot).
 */
typedef struct SysMonProcess {
    /* The started branch-mode SysMon, told when recorded data is cleared
     * (see SysDone_data_cleared()), or NULL.  Borrowed: start() sets it,
     * stop() and dealloc unset it.  Process-wide because the hook that
     * calls it, LineSet_clear_hook, is: any LineSet's clear() calls it,
     * without an argument.
     */
    SysMon *clearing;
    /* The tag of the next run (SysMon.generation), from 1.  Records live
     * on code objects and are shared by every SysMon of the process, so a
     * run's tag must be unique process-wide: a record tagged by another run
     * (of this or another SysMon) is a stale decision.
     */
    uint64_t next_generation;
} SysMonProcess;

extern SysMonProcess SysMon_process;

/* After a sys.monitoring call failed: is it because the program freed our
 * tool id?  Then the error is cleared, measuring stops for good (what was
 * recorded stays), our events and callbacks are removed if the id is still
 * free (3.12 and 3.13 keep them after free_tool_id), and 1 is returned;
 * 0 if the id is still ours (the error stands), -1 on another error.
 */
int SysMon_tool_lost(SysMon *self);

#endif /* COVCORE_HAS_SYSMON */


#endif /* COVCORE_SYSMON_H */
