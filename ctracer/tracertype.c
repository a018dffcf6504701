/* CTracer: the Python type of the settrace core (see tracer.c for its
 * events): its attributes, set by the controller, start() and stop(), and
 * the counters.
 */

#include "tracer.h"
#include "tracectx.h"
#include <structmember.h>

static int
CTracer_init(CTracer *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":CTracer", kwlist)) {
        return RET_ERROR;
    }
    Py_XSETREF(self->should_trace, Py_NewRef(Py_None));
    Py_XSETREF(self->should_trace_cache, PyDict_New());
    Py_XSETREF(self->data, PyDict_New());
    if (self->should_trace_cache == NULL || self->data == NULL) {
        return RET_ERROR;
    }
    self->trace_arcs = 0;
    self->started = 0;
    self->activity = 0;
    self->in_foreign = 0;
    self->marks_frames = 1;
    self->depth = -1;
    Py_CLEAR(self->concurrency_id);
    self->free_context = -1;
    self->cur_context = NULL;
    memset(&self->stats, 0, sizeof(self->stats));
    return RET_OK;
}

static void
CTracer_dealloc(CTracer *self)
{
    PyObject_GC_UnTrack(self);
    if (self->started) {
        PyEval_SetTrace(NULL, NULL);
    }
    TracerCtx_forget(self);
    CTracer_clear_stack(self);
    PyMem_Free(self->stack);
    PyMem_Free(self->contexts);
    Py_CLEAR(self->should_trace);
    Py_CLEAR(self->should_trace_cache);
    Py_CLEAR(self->data);
    Py_CLEAR(self->foreign);
    Py_CLEAR(self->concurrency_id);
    Py_CLEAR(self->context_index);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
CTracer_traverse(CTracer *self, visitproc visit, void *arg)
{
    Py_VISIT(self->should_trace);
    Py_VISIT(self->should_trace_cache);
    Py_VISIT(self->data);
    Py_VISIT(self->foreign);
    Py_VISIT(self->concurrency_id);
    return 0;
}

static int
CTracer_clear(CTracer *self)
{
    Py_CLEAR(self->should_trace);
    Py_CLEAR(self->should_trace_cache);
    Py_CLEAR(self->data);
    Py_CLEAR(self->foreign);
    Py_CLEAR(self->concurrency_id);
    return 0;
}

static PyObject *
CTracer_start(CTracer *self, PyObject *unused)
{
    if (!PyCallable_Check(self->should_trace)) {
        PyErr_SetString(PyExc_TypeError, "CTracer.should_trace must be callable before start()");
        return NULL;
    }
    if (!PyDict_Check(self->data) || !PyDict_Check(self->should_trace_cache)) {
        PyErr_SetString(PyExc_TypeError, "CTracer.data and should_trace_cache must be dicts");
        return NULL;
    }
    if (self->concurrency_id != NULL && self->context_index == NULL) {
        self->context_index = PyDict_New();
        if (self->context_index == NULL) {
            return NULL;
        }
    }
    PyEval_SetTrace(CTracer_trace_function(self), (PyObject *)self);
    self->started = 1;
    return Py_NewRef((PyObject *)self);
}

static PyObject *
CTracer_stop(CTracer *self, PyObject *unused)
{
    if (self->started) {
        self->started = 0;
        /* Only remove the trace function of this thread if it is ours;
         * other threads notice `started` at their next event.
         */
        if (PyThreadState_Get()->c_traceobj == (PyObject *)self) {
            PyEval_SetTrace(NULL, NULL);
        }
    }
    TracerCtx_forget(self);
    CTracer_clear_stack(self);
    Py_RETURN_NONE;
}

/* Measure the frames running from `frame` outwards, from the line each is
 * on (a paused measurement resuming).
 */
static PyObject *
CTracer_resync(CTracer *self, PyObject *frame)
{
    if (!PyFrame_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "CTracer.resync() needs a frame");
        return NULL;
    }
    if (CTracer_resync_stack(self, (PyFrameObject *)frame) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
CTracer_activity(CTracer *self, PyObject *unused)
{
    return PyBool_FromLong(self->activity);
}

static PyObject *
CTracer_reset_activity(CTracer *self, PyObject *unused)
{
    self->activity = 0;
    Py_RETURN_NONE;
}

static PyObject *
CTracer_get_stats(CTracer *self, PyObject *unused)
{
#ifdef COVCORE_STATS
    return Py_BuildValue(
        "{sKsKsKsKsKsKsKsKsKsKsK}",
        "calls", (unsigned long long)self->stats.calls,
        "lines", (unsigned long long)self->stats.lines,
        "returns", (unsigned long long)self->stats.returns,
        "others", (unsigned long long)self->stats.others,
        "files", (unsigned long long)self->stats.files,
        "cache_hits", (unsigned long long)self->stats.cache_hits,
        "stack_reallocs", (unsigned long long)self->stats.stack_reallocs,
        "new_files", (unsigned long long)self->stats.new_files,
        "complete_skips", (unsigned long long)self->stats.complete_skips,
        "context_checks", (unsigned long long)self->stats.context_checks,
        "context_switches", (unsigned long long)self->stats.context_switches
    );
#else
    Py_RETURN_NONE;
#endif
}

static PyObject *
CTracer_get_foreign(CTracer *self, void *closure)
{
    return Py_NewRef(self->foreign != NULL ? self->foreign : Py_None);
}

/* Installing a program tracer turns line events back on in the frames of
 * this thread, which the tracer may have switched off as unmeasured.
 */
static int
CTracer_set_foreign(CTracer *self, PyObject *value, void *closure)
{
    if (value == NULL || value == Py_None) {
        Py_CLEAR(self->foreign);
        return RET_OK;
    }
    if (!PyCallable_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "a trace function must be callable");
        return RET_ERROR;
    }
    Py_XSETREF(self->foreign, Py_NewRef(value));
    PyFrameObject *frame = PyEval_GetFrame();       /* borrowed */
    Py_XINCREF(frame);
    while (frame != NULL) {
        if (CTracer_set_line_events(frame, 1) < 0) {
            Py_DECREF(frame);
            return RET_ERROR;
        }
        PyFrameObject *back = PyFrame_GetBack(frame);  /* owned */
        Py_DECREF(frame);
        frame = back;
    }
    return RET_OK;
}

static PyObject *
CTracer_get_concurrency_id(CTracer *self, void *closure)
{
    return Py_NewRef(self->concurrency_id != NULL ? self->concurrency_id : Py_None);
}

static int
CTracer_set_concurrency_id(CTracer *self, PyObject *value, void *closure)
{
    if (self->started) {
        PyErr_SetString(PyExc_RuntimeError, "CTracer.concurrency_id can't change while tracing");
        return RET_ERROR;
    }
    if (value == NULL || value == Py_None) {
        Py_CLEAR(self->concurrency_id);
        return RET_OK;
    }
    if (!PyCallable_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "CTracer.concurrency_id must be callable or None");
        return RET_ERROR;
    }
    Py_XSETREF(self->concurrency_id, Py_NewRef(value));
    return RET_OK;
}

static PyGetSetDef CTracer_getset[] = {
    {"foreign", (getter)CTracer_get_foreign, (setter)CTracer_set_foreign,
     "the program's own trace function, called after ours (None: none)", NULL},
    {"concurrency_id", (getter)CTracer_get_concurrency_id, (setter)CTracer_set_concurrency_id,
     "callable() -> the running greenlet: one data stack per greenlet (None: per thread)", NULL},
    {NULL}
};

static PyMemberDef CTracer_members[] = {
    {"should_trace", T_OBJECT, offsetof(CTracer, should_trace), 0,
     "callable(filename, frame) -> the name to record under, or None"},
    {"should_trace_cache", T_OBJECT, offsetof(CTracer, should_trace_cache), 0,
     "dict: file name -> decision of should_trace"},
    {"data", T_OBJECT, offsetof(CTracer, data), 0,
     "dict: measured file name -> LineSet"},
    {"trace_arcs", T_BOOL, offsetof(CTracer, trace_arcs), 0,
     "record arcs rather than lines"},
    {"marks_frames", T_BOOL, offsetof(CTracer, marks_frames), 0,
     "point each traced frame's f_trace at this tracer (off: f_trace is the program's)"},
    {"program_tools", T_BOOL, offsetof(CTracer, program_tools), 0,
     "the program has a sys.monitoring tool: no frame's line events are switched off"},
    {NULL}
};

static PyMethodDef CTracer_methods[] = {
    {"start", (PyCFunction)CTracer_start, METH_NOARGS, "Start tracing this thread."},
    {"stop", (PyCFunction)CTracer_stop, METH_NOARGS, "Stop tracing."},
    {"resync", (PyCFunction)CTracer_resync, METH_O,
     "Measure the frames running from this one outwards, from the line each is on."},
    {"activity", (PyCFunction)CTracer_activity, METH_NOARGS, "Any events since reset_activity()?"},
    {"reset_activity", (PyCFunction)CTracer_reset_activity, METH_NOARGS, "Forget past activity."},
    {"get_stats", (PyCFunction)CTracer_get_stats, METH_NOARGS,
     "Counters, or None when the extension was built without COVCORE_STATS."},
    {NULL}
};

PyTypeObject CTracerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "covcore._ctracer.CTracer",
    .tp_doc = "The settrace core: records executed lines or arcs from C.",
    .tp_basicsize = sizeof(CTracer),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)CTracer_init,
    .tp_dealloc = (destructor)CTracer_dealloc,
    .tp_traverse = (traverseproc)CTracer_traverse,
    .tp_clear = (inquiry)CTracer_clear,
    .tp_call = (ternaryfunc)CTracer_call,
    .tp_members = CTracer_members,
    .tp_getset = CTracer_getset,
    .tp_methods = CTracer_methods,
};
