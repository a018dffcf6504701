/* CTracer: the settrace core, a C trace function for PyEval_SetTrace. */
#ifndef COVCORE_TRACER_H
#define COVCORE_TRACER_H

#include "util.h"
#include "lineset.h"
#include "stats.h"

/* What the tracer remembers about one frame it has seen start. */
typedef struct FrameEntry {
    LineSet *file_data;     /* owned; NULL when the frame's file is not measured */
    int last_line;          /* the line the frame was last on, -firstlineno at entry */
    /* Owned, or NULL: what records this frame's lines when a coverage.py
     * file-tracer plug-in claimed its file (covcore.filetracers.PluginFrame);
     * file_data is NULL then.  Only looked at when file_data is NULL, so
     * measured frames never test it.
     */
    PyObject *plugin;
    /* The frame, for its identity (concurrency mode compares it with the
     * frame of an event).  In concurrency mode the entry owns a reference,
     * so that no other frame can have this address while the entry exists,
     * even if the frame ended unseen (a greenlet killed while tracing was
     * off, inside a trace callback); otherwise borrowed and unused.
     */
    PyFrameObject *frame;
} FrameEntry;

/* The data stack of one greenlet (concurrency mode), while another one's
 * is the active stack.
 */
typedef struct ContextStack {
    void *context;          /* the greenlet, by identity (no reference); NULL: a free slot */
    FrameEntry *stack;      /* owned: PyMem array of `alloc` entries, kept for reuse when free */
    Py_ssize_t depth;
    Py_ssize_t alloc;
    Py_ssize_t next_free;   /* free slots: the next one, -1 at the end */
} ContextStack;

typedef struct CTracer {
    PyObject_HEAD

    /* Owned, set by the controller before start(). */
    PyObject *should_trace;         /* callable(filename, frame) -> str | None */
    PyObject *should_trace_cache;   /* dict: raw filename -> str | None */
    PyObject *data;                 /* dict: measured filename -> LineSet */
    int trace_arcs;
    /* The program's own trace function (what it gave sys.settrace while we
     * measure), or NULL.  It is called with CPython's semantics: the global
     * function at call events, each frame's f_trace for its other events.
     */
    PyObject *foreign;              /* owned, or NULL */
    /* Set while the program's tracer runs (dispatch_foreign): a call of this
     * object then comes from it, chaining to what it read in f_trace.
     */
    int in_foreign;
    /* Point each traced frame's f_trace at this tracer (for a program that
     * does sys.settrace(sys.gettrace()) with no trouble hooks).  Off while
     * the hooks replace sys.settrace: frame.f_trace then reads what the
     * program's tracer put there, or None, as without covcore.
     */
    int marks_frames;
    /* The program has a sys.monitoring tool of its own (3.12+; set by
     * covcore.tracehooks).  Its callbacks may read a frame's f_trace_lines
     * (3.14's pdb does), so frames keep the line events CPython gives them:
     * none is switched off, as while `foreign` is set.
     */
    int program_tools;

    /* Tracing state. */
    int started;
    int activity;

    /* One entry per frame seen starting and not yet finished, innermost
     * last.  `depth` is the index of the innermost entry, -1 when empty:
     * frames that were already running at start() have no entry, and their
     * events are ignored.
     */
    FrameEntry *stack;              /* owned: PyMem array of `alloc` entries */
    Py_ssize_t depth;
    Py_ssize_t alloc;

    /* Concurrency mode (greenlets): `concurrency_id` names the running
     * greenlet, and each greenlet has a data stack of its own.  The active
     * one is in stack/depth/alloc above and belongs to contexts[cur_index]
     * (whose copy of the fields is stale meanwhile); cur_context is NULL
     * when the active stack belongs to no greenlet yet (it is empty then).
     * NULL concurrency_id: one stack, and none of this is used.
     */
    PyObject *concurrency_id;       /* owned callable () -> the running greenlet, or NULL */
    PyObject *context_index;        /* owned dict: greenlet address (int) -> slot index (int), or NULL */
    ContextStack *contexts;         /* owned: PyMem array of `alloc_contexts` slots */
    Py_ssize_t n_contexts;          /* slots in use or free, below alloc_contexts */
    Py_ssize_t alloc_contexts;
    Py_ssize_t free_context;        /* the first free slot, -1: none */
    void *cur_context;              /* identity only */
    Py_ssize_t cur_index;

    Stats stats;
} CTracer;

extern PyTypeObject CTracerType;

/* Module-level setup of interned strings: RET_OK or RET_ERROR. */
int CTracer_intern_strings(void);

/* What tracertype.c (the Python type) uses of the events in tracer.c. */

/* The C trace function start() installs: with or without greenlet contexts. */
Py_tracefunc CTracer_trace_function(CTracer *self);

/* Calling the tracer object: sys.settrace(sys.gettrace()) in a program. */
PyObject *CTracer_call(CTracer *self, PyObject *args, PyObject *kwds);

/* Forget every stack entry (stop()). */
void CTracer_clear_stack(CTracer *self);

/* Measure the frames running from `frame` outwards, from the line each is
 * on: 1 if entries were pushed, 0 if none, RET_ERROR on error.
 */
int CTracer_resync_stack(CTracer *self, PyFrameObject *frame);

/* Turn a frame's line events on or off: RET_OK or RET_ERROR. */
int CTracer_set_line_events(PyFrameObject *frame, int on);

#endif /* COVCORE_TRACER_H */
