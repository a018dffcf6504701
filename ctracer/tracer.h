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
} FrameEntry;

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

    Stats stats;
} CTracer;

extern PyTypeObject CTracerType;

/* Module-level setup of interned strings: RET_OK or RET_ERROR. */
int CTracer_intern_strings(void);

#endif /* COVCORE_TRACER_H */
