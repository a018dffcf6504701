/* The file decision shared by the cores: should a file be measured, and
 * into which LineSet?
 */
#ifndef COVCORE_DECIDE_H
#define COVCORE_DECIDE_H

#include "util.h"
#include "lineset.h"

/* What the decision needs, all borrowed from the tracer that owns them. */
typedef struct DecideContext {
    PyObject *should_trace;         /* callable(filename, frame) -> str | None */
    PyObject *should_trace_cache;   /* dict: raw filename -> str | None */
    PyObject *data;                 /* dict: measured filename -> LineSet */
    int trace_arcs;
} DecideContext;

/* The LineSet to record `filename`'s lines into (borrowed from ctx->data,
 * created on first use), or NULL when the file is not measured.  Python
 * code runs only the first time a file name is seen; `frame` (may be NULL
 * when it can't be had) is passed to should_trace then.  A failure inside
 * should_trace is reported as unraisable and leaves the file unmeasured, so
 * the measured program never sees it.  Returns RET_ERROR (exception set)
 * only for failures of the tracer itself.
 *
 * A file a coverage.py file-tracer plug-in claimed has a disposition that
 * is neither None nor a string (covcore.filetracers.PluginDisposition):
 * *file_data is NULL then, and *claimed a new reference to it, for the
 * core's slow path; otherwise *claimed is NULL.
 */
int Decide_FileData(DecideContext *ctx, PyObject *filename, PyObject *frame,
                    LineSet **file_data, PyObject **claimed, int *cache_hit);

/* The slow path's calls into covcore.filetracers: a frame of a claimed file
 * starts (`disposition.start_frame(frame, real_call)`: a new reference to
 * its recorder, or NULL when nothing is recorded), a line event in it, its
 * return (`recorder.line(frame)`, `recorder.leave(frame, real_return)`),
 * and the sys.monitoring core's hand-over of a code object
 * (`disposition.adopt_code(code, frame)`).  The plug-in's own failures are
 * handled in Python; one of these calls failing is reported as unraisable,
 * never to the measured program.
 */
PyObject *Decide_PluginStart(PyObject *disposition, PyObject *frame, int real_call);
void Decide_PluginLine(PyObject *recorder, PyObject *frame);
void Decide_PluginLeave(PyObject *recorder, PyObject *frame, int real_return);
void Decide_PluginAdopt(PyObject *disposition, PyObject *code, PyObject *frame);

/* Interned method names for the calls above: RET_OK or RET_ERROR. */
int Decide_intern_strings(void);

/* Does a frame of `code` that stops at byte offset `lasti` really return
 * (or let an exception out), rather than suspend at a yield or an await?
 * The rule the settrace cores use for return events, and the sys.monitoring
 * core for PY_UNWIND, so that both record the same exit arcs: a generator
 * closed while suspended gets none.
 */
int Cov_IsRealReturn(PyCodeObject *code, int lasti);

#endif /* COVCORE_DECIDE_H */
