/* CTracer: the settrace core.
 *
 * The hot path is a line event in a measured frame: look at the innermost
 * stack entry, add one key to its LineSet, remember the line.  No Python
 * code runs for it.  Python code (should_trace) runs only the first time a
 * file name is seen; afterwards the decision comes from a dict lookup at
 * call events.
 */

#include "tracer.h"
#include "decide.h"
#include "codelines.h"
#include "tracectx.h"
#include "sigwatch.h"
#include <structmember.h>

static PyObject *str_f_trace;           /* "f_trace" */
static PyObject *str_f_trace_lines;     /* "f_trace_lines" */
static PyObject *str_event_names[5];    /* "call", "exception", "line", "return", "opcode" */
static const int event_codes[5] = {
    PyTrace_CALL, PyTrace_EXCEPTION, PyTrace_LINE, PyTrace_RETURN, PyTrace_OPCODE,
};

int
CTracer_intern_strings(void)
{
    static const char *names[5] = {"call", "exception", "line", "return", "opcode"};
    str_f_trace = PyUnicode_InternFromString("f_trace");
    str_f_trace_lines = PyUnicode_InternFromString("f_trace_lines");
    if (str_f_trace == NULL || str_f_trace_lines == NULL) {
        return RET_ERROR;
    }
    for (int i = 0; i < 5; i++) {
        str_event_names[i] = PyUnicode_InternFromString(names[i]);
        if (str_event_names[i] == NULL) {
            return RET_ERROR;
        }
    }
    return RET_OK;
}

/*
 * Frame helpers.
 */

/* Point the frame's f_trace at us, so that a later sys.settrace(sys.gettrace())
 * (which routes events through f_trace) keeps delivering this frame's line and
 * return events to us.
 */
static int
set_frame_trace(PyFrameObject *frame, PyObject *trace)
{
#if COVCORE_FRAME_FIELDS
    Py_INCREF(trace);
    Py_XSETREF(frame->f_trace, trace);
    return RET_OK;
#else
    return PyObject_SetAttr((PyObject *)frame, str_f_trace, trace);
#endif
}

/* Take the frame's f_trace away (CPython does, when a trace function raised). */
static int
clear_frame_trace(PyFrameObject *frame)
{
#if COVCORE_FRAME_FIELDS
    Py_CLEAR(frame->f_trace);
    return RET_OK;
#else
    return PyObject_SetAttr((PyObject *)frame, str_f_trace, Py_None);
#endif
}

/* Switch a frame's line events off (a frame whose file is not measured) or
 * back on.
 */
int
CTracer_set_line_events(PyFrameObject *frame, int on)
{
#if COVCORE_FRAME_FIELDS
    frame->f_trace_lines = (char)on;
    return RET_OK;
#else
    return PyObject_SetAttr((PyObject *)frame, str_f_trace_lines, on ? Py_True : Py_False);
#endif
}

/* Is this call event the start of the code object (a real call), rather than
 * a generator or coroutine being resumed?
 */
static int
is_real_call(PyFrameObject *frame, PyCodeObject *code)
{
    if (!(code->co_flags & COV_RESUMABLE_FLAGS)) {
        return 1;
    }
#if COVCORE_HAS_RESUME
    /* A frame that starts or continues normally is at a RESUME whose
     * argument says why: 0 for the start of the code, non-zero after a
     * yield or an await.  A frame resumed by throw() is not at a RESUME at
     * all but where it was suspended (a YIELD_VALUE, or the loop of a
     * `yield from` / `await`), so only "RESUME 0" is a real call.
     * (coverage.py tests only the argument byte, and on 3.11 and 3.12 takes
     * some throw() resumptions for calls; see docs/differences.md.)
     */
    int op, arg;
    if (!Cov_InstrAt(code, Cov_FrameLasti(frame), &op, &arg)) {
        return 1;
    }
    return op == RESUME && arg == 0;
#else
    /* A fresh frame has not run any instruction yet. */
    return Cov_FrameLasti(frame) < 0;
#endif
}

/*
 * The data stack.
 */

static int
push_entry(CTracer *self, PyFrameObject *frame)
{
    if (self->depth + 1 >= self->alloc) {
        if (COV_RESERVE(self->stack, self->depth + 1, self->alloc, 64) < 0) {
            return RET_ERROR;
        }
        STATS(self->stats.stack_reallocs++);
    }
    self->depth++;
    self->stack[self->depth].file_data = NULL;
    self->stack[self->depth].plugin = NULL;
    self->stack[self->depth].last_line = 0;
    self->stack[self->depth].frame = frame;
    return RET_OK;
}

void
CTracer_clear_stack(CTracer *self)
{
    for (; self->depth >= 0; self->depth--) {
        Py_CLEAR(self->stack[self->depth].file_data);
        Py_CLEAR(self->stack[self->depth].plugin);
    }
}

/*
 * Event handlers.
 */

static int
handle_call(CTracer *self, PyFrameObject *frame)
{
    PyCodeObject *code = Cov_FrameCode(frame);      /* borrowed, see util.h */
    LineSet *file_data = NULL;      /* borrowed from self->data */
    PyObject *claimed = NULL;       /* owned: a plug-in's disposition */
    int cache_hit = 0;

    STATS(self->stats.calls++);
    if (push_entry(self, frame) < 0) {
        return RET_ERROR;
    }
    DecideContext ctx = {
        self->should_trace, self->should_trace_cache, self->data, self->trace_arcs,
    };
    if (Decide_FileData(&ctx, code->co_filename, (PyObject *)frame, &file_data, &claimed, &cache_hit) < 0) {
        return RET_ERROR;
    }
    STATS(cache_hit ? self->stats.cache_hits++ : self->stats.files++);

    FrameEntry *entry = &self->stack[self->depth];
    int real = is_real_call(frame, code);
    if (claimed != NULL) {
        /* The slow path: a plug-in's file tracer records this frame. */
        entry->plugin = Decide_PluginStart(claimed, (PyObject *)frame, real);
        Py_DECREF(claimed);
        if (entry->plugin != NULL) {
            return self->marks_frames ? set_frame_trace(frame, (PyObject *)self) : RET_OK;
        }
    }
    /* With a program tracer or sys.monitoring tool, its functions may want the lines. */
    int lines_wanted = self->foreign != NULL || self->program_tools;
    if (file_data != NULL && !self->trace_arcs && !lines_wanted) {
        /* Line mode: a fully covered code object needs no line events. */
        int complete = CodeLines_Complete(code, file_data);
        if (complete < 0) {
            return RET_ERROR;
        }
        if (complete) {
            STATS(self->stats.complete_skips++);
            file_data = NULL;
        }
    }
    if (file_data != NULL) {
        Py_INCREF(file_data);
        entry->file_data = file_data;
        entry->last_line = real ? -code->co_firstlineno : PyFrame_GetLineNumber(frame);
    }
    if (!real) {
        /* A resumed generator or coroutine keeps the f_trace_lines an
         * earlier resumption left it: set it again, on whenever its lines
         * are wanted now (by us, or by the program's tracer or debugger).
         */
        if (CTracer_set_line_events(frame, file_data != NULL || lines_wanted) < 0) {
            return RET_ERROR;
        }
    }
    else if (file_data == NULL && !lines_wanted && CTracer_set_line_events(frame, 0) < 0) {
        return RET_ERROR;
    }
    return self->marks_frames ? set_frame_trace(frame, (PyObject *)self) : RET_OK;
}

/* The file data of a frame (borrowed, NULL when not measured). */
static int
frame_file_data(CTracer *self, PyFrameObject *frame, LineSet **file_data)
{
    int cache_hit = 0;
    PyCodeObject *code = Cov_FrameCode(frame);      /* borrowed */
    DecideContext ctx = {
        self->should_trace, self->should_trace_cache, self->data, self->trace_arcs,
    };
    PyObject *claimed = NULL;       /* owned: a plug-in's disposition, not followed here */
    int rc = Decide_FileData(&ctx, code->co_filename, (PyObject *)frame, file_data, &claimed, &cache_hit);
    Py_XDECREF(claimed);
    return rc;
}

/* The stack no longer matches the frames that run: the event's frame is not
 * the innermost entry's.  That happens when a tool took the trace function
 * (PyEval_SetTrace: hunter, coverage.py) and gave it back later, so that
 * the calls and returns meanwhile were not seen.  The entries of frames
 * still running are kept (the innermost entry whose frame is on the
 * event frame's chain, with that frame's file data, and those below it);
 * the others are dropped, and the newer frames get entries from the line
 * they are on.  Returns 1 when the event's frame got a new entry, 0 when
 * it had one, -1 on error.  (Not in concurrency mode, where a greenlet
 * switch looks the same and TracerCtx_follow sorts the stacks out.)
 */
int
CTracer_resync_stack(CTracer *self, PyFrameObject *frame)
{
    int ret = -1;
    PyObject *chain = PyList_New(0);        /* owned: frame, its caller, ... */
    PyFrameObject *f = (PyFrameObject *)Py_NewRef((PyObject *)frame);     /* owned */
    if (chain == NULL) {
        goto error;
    }
    while (f != NULL) {
        if (PyList_Append(chain, (PyObject *)f) < 0) {
            goto error;
        }
        PyFrameObject *back = PyFrame_GetBack(f);   /* owned */
        Py_SETREF(f, back);
    }
    Py_ssize_t n = PyList_GET_SIZE(chain);
    Py_ssize_t pos = n;             /* chain index of the kept innermost entry's frame */
    Py_ssize_t keep = -1;
    for (Py_ssize_t i = self->depth; i >= 0 && keep < 0; i--) {
        for (Py_ssize_t p = 0; p < n; p++) {
            PyFrameObject *candidate = (PyFrameObject *)PyList_GET_ITEM(chain, p);
            LineSet *file_data = NULL;
            if (self->stack[i].frame != candidate) {
                continue;
            }
            if (frame_file_data(self, candidate, &file_data) < 0) {
                goto error;
            }
            if (file_data == self->stack[i].file_data) {
                keep = i;
                pos = p;
            }
            break;
        }
    }
    while (self->depth > keep) {
        Py_CLEAR(self->stack[self->depth].file_data);
        Py_CLEAR(self->stack[self->depth].plugin);
        self->depth--;
    }
    for (Py_ssize_t p = pos - 1; p >= 0; p--) {
        PyFrameObject *newer = (PyFrameObject *)PyList_GET_ITEM(chain, p);
        LineSet *file_data = NULL;
        if (frame_file_data(self, newer, &file_data) < 0 || push_entry(self, newer) < 0) {
            goto error;
        }
        self->stack[self->depth].file_data = (LineSet *)Py_XNewRef((PyObject *)file_data);
        self->stack[self->depth].last_line = PyFrame_GetLineNumber(newer);
    }
    ret = pos > 0;
error:
    Py_XDECREF(f);
    Py_XDECREF(chain);
    return ret;
}

/* The frame of `entry` is on `line` now: record the line, or the arc from
 * its last line.  RET_OK or RET_ERROR.
 */
static inline int
record_line(CTracer *self, FrameEntry *entry, int line)
{
    uint64_t key = self->trace_arcs
        ? LineSet_ArcKey(entry->last_line, line)
        : (uint64_t)(uint32_t)line;
    entry->last_line = line;
    return LineSet_AddKey(entry->file_data, key);
}

static inline int
handle_line(CTracer *self, PyFrameObject *frame)
{
    STATS(self->stats.lines++);
    if (self->depth < 0) {
        return RET_OK;
    }
    FrameEntry *entry = &self->stack[self->depth];
    int fresh = 0;
    if (entry->frame != frame && self->concurrency_id == NULL) {
        fresh = CTracer_resync_stack(self, frame);
        if (fresh < 0) {
            return RET_ERROR;
        }
        entry = &self->stack[self->depth];
    }
    if (entry->file_data == NULL) {
        if (entry->plugin != NULL) {
            Decide_PluginLine(entry->plugin, (PyObject *)frame);
        }
        return RET_OK;
    }
    int line = PyFrame_GetLineNumber(frame);
    if (fresh && self->trace_arcs) {
        /* Where the frame came from is not known. */
        entry->last_line = line;
        return RET_OK;
    }
    return record_line(self, entry, line);
}

static int
handle_return(CTracer *self, PyFrameObject *frame)
{
    STATS(self->stats.returns++);
    if (self->depth < 0) {
        return RET_OK;
    }
    int ret = RET_OK;
    FrameEntry *entry = &self->stack[self->depth];
    if (entry->frame != frame && self->concurrency_id == NULL) {
        if (CTracer_resync_stack(self, frame) < 0) {
            return RET_ERROR;
        }
        entry = &self->stack[self->depth];
    }
    if (entry->file_data != NULL) {
        if (self->trace_arcs) {
            PyCodeObject *code = Cov_FrameCode(frame);      /* borrowed */
            if (Cov_IsRealReturn(code, Cov_FrameLasti(frame))) {
#if COVCORE_RETURN_LINE_UNREPORTED
                int line = PyFrame_GetLineNumber(frame);
                if (line >= 0 && line != entry->last_line) {
                    ret = LineSet_AddKey(entry->file_data, LineSet_ArcKey(entry->last_line, line));
                    entry->last_line = line;
                }
#endif
                if (ret == RET_OK) {
                    ret = LineSet_AddKey(entry->file_data,
                                         LineSet_ArcKey(entry->last_line, -code->co_firstlineno));
                }
            }
        }
        Py_CLEAR(entry->file_data);
    }
    else if (entry->plugin != NULL) {
        /* The slow path: a plug-in's file tracer records this frame. */
        PyCodeObject *code = Cov_FrameCode(frame);      /* borrowed */
        Decide_PluginLeave(entry->plugin, (PyObject *)frame, Cov_IsRealReturn(code, Cov_FrameLasti(frame)));
        Py_CLEAR(entry->plugin);
    }
    self->depth--;
    return ret;
}

/* The frame's f_trace as a borrowed reference (NULL if unset). */
static PyObject *
frame_trace(PyFrameObject *frame)
{
#if COVCORE_FRAME_FIELDS
    return frame->f_trace;
#else
    PyObject *trace = PyObject_GetAttr((PyObject *)frame, str_f_trace);   /* owned */
    if (trace == NULL) {
        PyErr_Clear();
        return NULL;
    }
    Py_DECREF(trace);      /* the frame keeps it */
    return trace == Py_None ? NULL : trace;
#endif
}

/* Give the event to the program's own trace function, as CPython would:
 * call events to the global function, whose result becomes the frame's
 * local trace function (f_trace); other events to f_trace, whose non-None
 * result replaces it.  An exception from it ends the program's tracing and
 * propagates into the program, as with CPython's own trace dispatch.
 */
static int
dispatch_foreign(CTracer *self, PyFrameObject *frame, int what, PyObject *arg)
{
    int ret = RET_ERROR;
    PyObject *callback = NULL;      /* owned */
    PyObject *result = NULL;        /* owned */
    int index;

    switch (what) {
    case PyTrace_CALL: index = 0; break;
    case PyTrace_EXCEPTION: index = 1; break;
    case PyTrace_LINE: index = 2; break;
    case PyTrace_RETURN: index = 3; break;
    case PyTrace_OPCODE: index = 4; break;
    default: return RET_OK;
    }
    callback = what == PyTrace_CALL ? self->foreign : frame_trace(frame);
    if (callback == NULL || callback == (PyObject *)self) {
        return RET_OK;
    }
    Py_INCREF(callback);    /* it may replace itself while it runs */
    PyObject *args[3] = {(PyObject *)frame, str_event_names[index], arg ? arg : Py_None};
    int was_in_foreign = self->in_foreign;
    self->in_foreign = 1;
    result = PyObject_Vectorcall(callback, args, 3, NULL);
    self->in_foreign = was_in_foreign;
    if (result == NULL) {
        Py_CLEAR(self->foreign);
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        int rc = self->marks_frames
            ? set_frame_trace(frame, (PyObject *)self)
            : clear_frame_trace(frame);
        if (rc < 0) {
            PyErr_Clear();
        }
        PyErr_Restore(type, value, tb);
        goto error;
    }
    if (result != Py_None && set_frame_trace(frame, result) < 0) {
        goto error;
    }
    ret = RET_OK;
error:
    Py_XDECREF(result);
    Py_XDECREF(callback);
    return ret;
}

/* A debugger may have set the frame's f_lineno in its line event (pdb's
 * "jump"): the line it jumped to runs with no line event of its own.
 */
static int
after_jump(CTracer *self, PyFrameObject *frame)
{
    if (self->depth < 0) {
        return RET_OK;
    }
    FrameEntry *entry = &self->stack[self->depth];
    if (entry->frame != frame || entry->file_data == NULL) {
        return RET_OK;
    }
    int line = PyFrame_GetLineNumber(frame);
    return line == entry->last_line ? RET_OK : record_line(self, entry, line);
}

/* The trace function given to PyEval_SetTrace. */
static int
CTracer_trace(CTracer *self, PyFrameObject *frame, int what, PyObject *arg)
{
    int rc;
    if (!self->started) {
        /* stop() was called from another thread: this thread's tracing ends
         * at its next event.
         */
        PyEval_SetTrace(NULL, NULL);
        return RET_OK;
    }
    self->activity = 1;
    switch (what) {
    case PyTrace_LINE:
        rc = handle_line(self, frame);
        break;
    case PyTrace_CALL:
        rc = handle_call(self, frame);
        break;
    case PyTrace_RETURN:
        rc = handle_return(self, frame);
        break;
    default:
        STATS(self->stats.others++);
        rc = RET_OK;
        break;
    }
    /* The program's own tracer, if any, sees every event after us. */
    if (rc == RET_OK && self->foreign != NULL) {
        rc = dispatch_foreign(self, frame, what, arg);
        if (rc == RET_OK && what == PyTrace_LINE) {
            rc = after_jump(self, frame);
        }
    }
    if (rc == RET_OK) {
        rc = Sigwatch_poll();
    }
    return rc;
}

/* The trace function in concurrency mode: the running greenlet's stack
 * first, then the event as usual.  (A function of its own, so that the
 * default mode's line events don't pay even a test for it.)
 */
static int
CTracer_trace_contexts(CTracer *self, PyFrameObject *frame, int what, PyObject *arg)
{
    if (self->started && TracerCtx_follow(self, frame, what) < 0) {
        return RET_ERROR;
    }
    Py_ssize_t depth = self->depth;
    PyFrameObject *top = depth >= 0 ? self->stack[depth].frame : NULL;    /* owned by its entry */
    int rc = CTracer_trace(self, frame, what, arg);
    /* In this mode an entry owns a reference to its frame: see tracer.h. */
    if (self->depth > depth) {
        Py_INCREF(frame);
    }
    else if (self->depth < depth) {
        Py_DECREF(top);     /* the frame is still running its return event */
    }
    if (rc == RET_OK && what == PyTrace_RETURN && self->depth < 0 && self->cur_context != NULL) {
        rc = TracerCtx_release(self);
    }
    return rc;
}

/* The trace function this tracer installs. */
Py_tracefunc
CTracer_trace_function(CTracer *self)
{
    return self->concurrency_id != NULL
        ? (Py_tracefunc)CTracer_trace_contexts
        : (Py_tracefunc)CTracer_trace;
}

/* Calling the tracer object runs the trace function: this is what happens
 * when a program does sys.settrace(sys.gettrace()), because gettrace()
 * returns this object.
 */
PyObject *
CTracer_call(CTracer *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"frame", "event", "arg", "lineno", NULL};
    PyFrameObject *frame;
    PyObject *event;
    PyObject *arg;
    int lineno = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!UO|i:CTracer", kwlist,
                                     &PyFrame_Type, &frame, &event, &arg, &lineno)) {
        return NULL;
    }
    if (self->in_foreign) {
        /* The program's tracer calls the trace function it found in
         * frame.f_trace (this object) from inside its own, to chain to it
         * (the DecoratorTools technique).  This event was recorded already,
         * and going on would hand it back to the program's tracer again,
         * without end.  Without covcore it would have found nothing to call.
         */
        return Py_NewRef((PyObject *)self);
    }
    int what = -1;
    /* CPython passes interned event names: try identity first. */
    for (int i = 0; i < 5 && what < 0; i++) {
        if (event == str_event_names[i]) {
            what = event_codes[i];
        }
    }
    for (int i = 0; i < 5 && what < 0; i++) {
        if (PyUnicode_Compare(event, str_event_names[i]) == 0) {
            what = event_codes[i];
        }
    }
    Py_tracefunc trace = CTracer_trace_function(self);
    if (what >= 0 && trace((PyObject *)self, frame, what, arg) < 0) {
        return NULL;
    }
    /* Reached through CPython's Python-level trampoline (a program did
     * sys.settrace(<this tracer>), e.g. doctest restoring what it saved):
     * take the direct C hook back, so later events skip the trampoline.
     */
    if (what == PyTrace_CALL && self->started) {
        PyThreadState *tstate = PyThreadState_Get();
        if (tstate->c_traceobj == (PyObject *)self && tstate->c_tracefunc != trace) {
            PyEval_SetTrace(trace, (PyObject *)self);
        }
    }
    /* Our caller (CPython's trace trampoline) stores the result as the
     * frame's f_trace: keep what the events above put there.
     */
    PyObject *local = frame_trace(frame);
    if (local == NULL) {
        local = self->marks_frames ? (PyObject *)self : Py_None;
    }
    return Py_NewRef(local);
}
