/* SysMon: the sys.monitoring core, for Python 3.12 and later: the type,
 * starting and stopping.
 *
 * Line mode (syslines.h): PY_START decides once per code object whether it
 * is measured (syscode.c); measured code gets local LINE events, and each
 * LINE callback records its line and returns DISABLE, so every line
 * location costs one callback, once.
 *
 * Branch mode: arcs need to know which line a frame was on before, so the
 * core keeps a stack of measured frames per thread (sysframes.c), driven
 * by the callbacks of sysevents.c.  For code the flow model of sysflow.c
 * covers, line locations whose arcs are all recorded return DISABLE unless
 * a later line needs to know the frame was there, and code whose arcs are
 * all recorded gets no local events at all (sysdone.h).  See
 * docs/architecture.md.
 */

#include "sysmon.h"
#include <structmember.h>

#if COVCORE_HAS_SYSMON

#include "syscode.h"
#include "sysdone.h"
#include "sysevents.h"
#include "sysflow.h"
#include "sysinstr.h"
#include "syslines.h"

SysMonProcess SysMon_process = {
    .clearing = NULL,
    .next_generation = 1,
};

/*
 * Starting and stopping.
 */

typedef struct CallbackSpec {
    int event;
    PyObject *const *method;    /* in Cov_names */
    int branch_only;
} CallbackSpec;

static const CallbackSpec callbacks[] = {
    {EV_PY_START, &Cov_names._on_py_start, 0},
    {EV_LINE, &Cov_names._on_line, 0},
#if COVCORE_HAS_INSTR_LINES
    {EV_INSTRUCTION, &Cov_names._on_instruction, 0},
#endif
    {EV_PY_RESUME, &Cov_names._on_py_resume, 1},
    {EV_PY_THROW, &Cov_names._on_py_throw, 1},
    {EV_PY_RETURN, &Cov_names._on_py_return, 1},
    {EV_PY_YIELD, &Cov_names._on_py_yield, 1},
    {EV_PY_UNWIND, &Cov_names._on_py_unwind, 1},
    {EV_JUMP, &Cov_names._on_jump, 1},
    {EV_EXCEPTION_HANDLED, &Cov_names._on_exception_handled, 1},
#if COVCORE_HAS_BRANCH_EVENTS
    {EV_BRANCH_LEFT, &Cov_names._on_branch_left, 1},
    {EV_BRANCH_RIGHT, &Cov_names._on_branch_right, 1},
#endif
};
#define N_CALLBACKS ((int)(sizeof(callbacks) / sizeof(callbacks[0])))

/* Tool ids to try, in order: coverage.py uses 1 (COVERAGE_ID) and debuggers 0. */
static const int tool_ids[] = {3, 4, 1, 2, 5};

static int
claim_tool_id(SysMon *self)
{
    for (size_t i = 0; i < sizeof(tool_ids) / sizeof(tool_ids[0]); i++) {
        PyObject *owner = Cov_CallMethod(self->monitoring, Cov_names.get_tool, "(i)", tool_ids[i]);
        if (owner == NULL) {
            return RET_ERROR;
        }
        int is_free = owner == Py_None;
        Py_DECREF(owner);
        if (is_free) {
            PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.use_tool_id, "(is)", tool_ids[i], "covcore");
            if (res == NULL) {
                return RET_ERROR;
            }
            Py_DECREF(res);
            self->tool_id = tool_ids[i];
            return RET_OK;
        }
    }
    PyErr_SetString(PyExc_RuntimeError,
                    "no sys.monitoring tool id is free (ids 1-5 are all taken by other tools)");
    return RET_ERROR;
}

/* Line mode: measure the frames that are already running, in every thread,
 * from their next line on.  Branch mode leaves them untracked, as the
 * settrace core does (there is no earlier line to make an arc from), and
 * pins their code objects to the tracked path (see decide_flow).
 */
static int
adopt_running_frames(SysMon *self)
{
    int ret = RET_ERROR;
    PyObject *sys = NULL;       /* owned */
    PyObject *frames = NULL;    /* owned: dict thread id -> frame */
    PyObject *key, *frame;
    Py_ssize_t pos = 0;

    sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        goto error;
    }
    frames = Cov_CallMethod(sys, Cov_names._current_frames, NULL);
    if (frames == NULL || !PyDict_Check(frames)) {
        goto error;
    }
    while (PyDict_Next(frames, &pos, &key, &frame)) {
        PyFrameObject *f = (PyFrameObject *)frame;
        Py_XINCREF(f);
        while (f != NULL) {
            LineSet *file_data = NULL;
            CodeRecord *record = NULL;
            PyCodeObject *code = PyFrame_GetCode(f);    /* owned */
            int rc = self->trace_arcs
                ? PySet_Add(self->pinned, (PyObject *)code)
                : SysCode_decide(self, code, &file_data, &record);
#if COVCORE_HAS_INSTR_LINES
            if (rc >= 0 && record != NULL && file_data != NULL) {
                SysInstr_adopt(record, PyFrame_GetLasti(f));
            }
#endif
            Py_DECREF(code);
            PyFrameObject *back = PyFrame_GetBack(f);   /* owned */
            Py_DECREF(f);
            f = back;
            if (rc < 0) {
                Py_XDECREF(f);
                goto error;
            }
        }
    }
    ret = RET_OK;
error:
    Py_XDECREF(frames);
    Py_XDECREF(sys);
    return ret;
}

static PyObject *
SysMon_start(SysMon *self, PyObject *unused)
{
    PyObject *res = NULL;
    if (self->started) {
        return Py_NewRef((PyObject *)self);
    }
    if (!PyCallable_Check(self->should_trace) || !PyDict_Check(self->data)
        || !PyDict_Check(self->should_trace_cache)) {
        PyErr_SetString(PyExc_TypeError, "SysMon needs should_trace, data and should_trace_cache");
        return NULL;
    }
    if (claim_tool_id(self) < 0) {
        return NULL;
    }
    self->lost_tool = 0;
    Py_XSETREF(self->tool_id_obj, PyLong_FromLong(self->tool_id));
    Py_XSETREF(self->set_local, PyObject_GetAttr(self->monitoring, Cov_names.set_local_events));
    if (self->tool_id_obj == NULL || self->set_local == NULL) {
        goto error;
    }
    self->generation = SysMon_process.next_generation++;
#if COVCORE_HAS_INSTR_LINES
    SysInstr_configure(self);
#endif
    self->lines_kept = 0;
    for (int i = 0; i < N_CALLBACKS; i++) {
        if (callbacks[i].branch_only && !self->trace_arcs) {
            continue;
        }
        PyObject *method = PyObject_GetAttr((PyObject *)self, *callbacks[i].method);
        if (method == NULL) {
            goto error;
        }
        res = Cov_CallMethod(self->monitoring, Cov_names.register_callback, "(iiO)",
                             self->tool_id, callbacks[i].event, method);
        Py_DECREF(method);
        if (res == NULL) {
            goto error;
        }
        Py_CLEAR(res);
    }
    int global = EV_PY_START | (self->trace_arcs ? EV_PY_UNWIND | EV_PY_THROW | EV_EXCEPTION_HANDLED : 0);
    res = Cov_CallMethod(self->monitoring, Cov_names.set_events, "(ii)", self->tool_id, global);
    if (res == NULL) {
        goto error;
    }
    Py_CLEAR(res);
    /* Locations an earlier run disabled must report again. */
    res = Cov_CallMethod(self->monitoring, Cov_names.restart_events, NULL);
    if (res == NULL) {
        goto error;
    }
    Py_CLEAR(res);
    self->started = 1;
    if (self->trace_arcs) {
        SysMon_process.clearing = self;
        LineSet_clear_hook = SysDone_data_cleared;
    }
    if (adopt_running_frames(self) < 0) {
        goto error;
    }
    return Py_NewRef((PyObject *)self);
error:
    {
        PyObject *exc = PyErr_GetRaisedException();
        PyObject *stopped = Cov_CallMethod((PyObject *)self, Cov_names.stop, NULL);
        Py_XDECREF(stopped);
        PyErr_SetRaisedException(exc);
    }
    return NULL;
}

/* sys.monitoring.restart_events(), for a new context: every line reports
 * again, in every frame, even one already running (a suspended generator
 * resumes with no PY_START).  Line mode: code switched off gets its LINE
 * events back, and none is switched off for the rest of the run: contexts
 * switch often, and switching code off and on each time would cost more
 * than the checks it saves.
 */
static PyObject *
SysMon_restart_events(SysMon *self, PyObject *unused)
{
    if (self->started && !self->trace_arcs && SysLines_keep(self) < 0) {
        return NULL;
    }
    return Cov_CallMethod(self->monitoring, Cov_names.restart_events, NULL);
}

/* Is the tool id still ours?  1 yes, 0 no (freed, or another tool's), -1 error. */
static int
tool_is_ours(SysMon *self)
{
    PyObject *owner = Cov_CallMethod(self->monitoring, Cov_names.get_tool, "(i)", self->tool_id);
    if (owner == NULL) {
        return -1;
    }
    int ours = PyUnicode_Check(owner) && PyUnicode_CompareWithASCIIString(owner, "covcore") == 0;
    Py_DECREF(owner);
    return ours;
}

/* Our events and callbacks, on a tool id held: all gone (0: done). */
static int
clear_tool(SysMon *self)
{
    int ret = 0;
    PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.set_events, "(ii)", self->tool_id, 0);
    ret |= res == NULL;
    Py_XDECREF(res);
    PyObject *codes = self->instrumented;   /* borrowed (NULL after tp_clear); no callback runs here */
    if (codes != NULL) {
        for (Py_ssize_t i = 0; self->set_local != NULL && i < PyList_GET_SIZE(codes); i++) {
            ret |= SysCode_set_events(self, (PyCodeObject *)PyList_GET_ITEM(codes, i), 0) < 0;
        }
        ret |= PyList_SetSlice(codes, 0, PyList_GET_SIZE(codes), NULL) < 0;
    }
    for (int i = 0; i < N_CALLBACKS; i++) {
        res = Cov_CallMethod(self->monitoring, Cov_names.register_callback, "(iiO)",
                             self->tool_id, callbacks[i].event, Py_None);
        ret |= res == NULL;
        Py_XDECREF(res);
    }
    return ret;
}

int
SysMon_tool_lost(SysMon *self)
{
    if (self->tool_id < 0) {
        return 0;
    }
    PyObject *exc = PyErr_GetRaisedException();
    int ours = tool_is_ours(self);
    if (ours != 0) {
        if (ours < 0) {
            Py_XDECREF(exc);
            return -1;
        }
        PyErr_SetRaisedException(exc);
        return 0;
    }
    Py_XDECREF(exc);
    self->lost_tool = 1;
    PyObject *owner = Cov_CallMethod(self->monitoring, Cov_names.get_tool, "(i)", self->tool_id);
    if (owner == NULL) {
        return -1;
    }
    int is_free = owner == Py_None;
    Py_DECREF(owner);
    if (is_free) {
        /* Held again for the instant it takes to remove what is ours (no
         * Python code of the program runs meanwhile), then freed.
         */
        PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.use_tool_id, "(is)", self->tool_id, "covcore");
        if (res == NULL) {
            return -1;
        }
        Py_DECREF(res);
        self->lost_tool = 0;        /* (SysCode_set_events works again) */
        int failed = clear_tool(self);
        self->lost_tool = 1;
        res = Cov_CallMethod(self->monitoring, Cov_names.free_tool_id, "(i)", self->tool_id);
        Py_XDECREF(res);
        if (failed || res == NULL) {
            return -1;
        }
    }
    else if (self->instrumented != NULL) {
        /* The program's tool now: leave its events alone. */
        PyList_SetSlice(self->instrumented, 0, PyList_GET_SIZE(self->instrumented), NULL);
    }
    return 1;
}

static PyObject *
SysMon_stop(SysMon *self, PyObject *unused)
{
    int ret = RET_OK;
    PyObject *res;
    if (self->tool_id < 0) {
        Py_RETURN_NONE;
    }
    if (!self->lost_tool) {
        int ours = tool_is_ours(self);
        if (ours < 0) {
            return NULL;
        }
        if (!ours) {
            PyErr_SetString(PyExc_RuntimeError, "tool lost");
            if (SysMon_tool_lost(self) < 0) {
                return NULL;
            }
        }
    }
    self->started = 0;
    if (SysMon_process.clearing == self) {
        SysMon_process.clearing = NULL;
        LineSet_clear_hook = NULL;
    }
    /* Leave nothing behind: no global or local events, no callbacks (all
     * gone already if the program took the tool id).
     */
    if (!self->lost_tool) {
        ret |= clear_tool(self);
    }
    PySet_Clear(self->pinned);
    PyMem_Free(self->suspended.slots);
    self->suspended.slots = NULL;
    self->suspended.alloc = self->suspended.used = 0;
    if (!self->lost_tool) {
        res = Cov_CallMethod(self->monitoring, Cov_names.free_tool_id, "(i)", self->tool_id);
        ret |= res == NULL;
        Py_XDECREF(res);
    }
    self->tool_id = -1;
    Py_CLEAR(self->tool_id_obj);
    Py_CLEAR(self->set_local);
    self->generation = 0;
    for (Py_ssize_t i = 0; i < self->n_threads; i++) {
        PyMem_Free(self->threads[i].entries);
    }
    self->n_threads = 0;
    self->cur_tstate = NULL;
    if (ret) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/*
 * The type.
 */

static int
SysMon_init(SysMon *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":SysMon", kwlist)) {
        return RET_ERROR;
    }
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        return RET_ERROR;
    }
    Py_XSETREF(self->monitoring, PyObject_GetAttr(sys, Cov_names.monitoring));
    Py_DECREF(sys);
    if (self->monitoring == NULL) {
        return RET_ERROR;
    }
    Py_XSETREF(self->disable, PyObject_GetAttr(self->monitoring, Cov_names.DISABLE));
    Py_XSETREF(self->should_trace, Py_NewRef(Py_None));
    Py_XSETREF(self->should_trace_cache, PyDict_New());
    Py_XSETREF(self->data, PyDict_New());
    Py_XSETREF(self->instrumented, PyList_New(0));
    Py_XSETREF(self->pinned, PySet_New(NULL));
    if (self->disable == NULL || self->should_trace_cache == NULL || self->data == NULL
        || self->instrumented == NULL || self->pinned == NULL) {
        return RET_ERROR;
    }
    self->tool_id = -1;
    self->cur_thread = 0;
    memset(&self->stats, 0, sizeof(self->stats));
    return RET_OK;
}

static void
SysMon_dealloc(SysMon *self)
{
    PyObject_GC_UnTrack(self);
    if (SysMon_process.clearing == self) {
        SysMon_process.clearing = NULL;
        LineSet_clear_hook = NULL;
    }
    if (self->tool_id >= 0) {
        PyObject *res = SysMon_stop(self, NULL);
        if (res == NULL) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        Py_XDECREF(res);
    }
    PyMem_Free(self->threads);
    PyMem_Free(self->suspended.slots);
    Py_CLEAR(self->should_trace);
    Py_CLEAR(self->should_trace_cache);
    Py_CLEAR(self->data);
    Py_CLEAR(self->monitoring);
    Py_CLEAR(self->disable);
    Py_CLEAR(self->set_local);
    Py_CLEAR(self->tool_id_obj);
    Py_CLEAR(self->instrumented);
    Py_CLEAR(self->pinned);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
SysMon_traverse(SysMon *self, visitproc visit, void *arg)
{
    Py_VISIT(self->should_trace);
    Py_VISIT(self->should_trace_cache);
    Py_VISIT(self->data);
    Py_VISIT(self->instrumented);
    Py_VISIT(self->pinned);
    return 0;
}

static int
SysMon_clear(SysMon *self)
{
    Py_CLEAR(self->should_trace);
    Py_CLEAR(self->should_trace_cache);
    Py_CLEAR(self->data);
    Py_CLEAR(self->instrumented);
    Py_CLEAR(self->pinned);
    return 0;
}

static PyObject *
SysMon_activity(SysMon *self, PyObject *unused)
{
    return PyBool_FromLong(self->activity);
}

static PyObject *
SysMon_reset_activity(SysMon *self, PyObject *unused)
{
    self->activity = 0;
    Py_RETURN_NONE;
}

static PyObject *
SysMon_get_stats(SysMon *self, PyObject *unused)
{
#ifdef COVCORE_STATS
    return Py_BuildValue(
        "{sKsKsKsKsK}",
        "calls", (unsigned long long)self->stats.calls,
        "lines", (unsigned long long)self->stats.lines,
        "returns", (unsigned long long)self->stats.returns,
        "files", (unsigned long long)self->stats.files,
        "cache_hits", (unsigned long long)self->stats.cache_hits
    );
#else
    Py_RETURN_NONE;
#endif
}

/* For the tests: the arcs the model gives `code` (a set, or None outside
 * the model), and where the code stands in this run.
 */
static PyObject *
SysMon_flow_arcs(SysMon *self, PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "_flow_arcs needs a code object");
        return NULL;
    }
    CodeFlow *flow;     /* owned */
    switch (CodeFlow_Build((PyCodeObject *)code, &flow)) {
    case MODEL_FAILED:
        return NULL;
    case MODEL_OUTSIDE:
        Py_RETURN_NONE;
    case MODEL_OK:
        break;
    }
    PyObject *arcs = PySet_New(NULL);   /* owned */
    for (Py_ssize_t i = 0; arcs != NULL && i < flow->n_arcs; i++) {
        PyObject *arc = Py_BuildValue("(ii)", arc_from(flow->arcs[i]), arc_to(flow->arcs[i]));
        if (arc == NULL || PySet_Add(arcs, arc) < 0) {
            Py_CLEAR(arcs);
        }
        Py_XDECREF(arc);
    }
    CodeFlow_Free(flow);
    return arcs;
}

static PyObject *
SysMon_flow_state(SysMon *self, PyObject *code)
{
    static const char *const names[] = {"tracked", "tracked until complete", "off", "quiet"};
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "_flow_state needs a code object");
        return NULL;
    }
    CodeRecord *record = code_record(self, (PyCodeObject *)code);
    if (record == NULL || record->file_data == NULL || !self->trace_arcs) {
        Py_RETURN_NONE;
    }
    if (record->branch.deferred) {
        return PyUnicode_FromString("exact until its second start");   /* see SysCode_undefer() */
    }
    if (record->branch.state == FLOW_ON && record->branch.sat_state == SAT_YES) {
        return PyUnicode_FromString("untracked until a new line");     /* see frames_unneeded() */
    }
    return PyUnicode_FromString(names[record->branch.state]);
}

/* For the tests: which events bring a measured code object's lines in
 * this run, "LINE" or "INSTRUCTION" (sysinstr.h; "INSTRUCTION, ambiguous"
 * for code whose every frame is tracked), or None when not measured.
 */
static PyObject *
SysMon_line_events(SysMon *self, PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "_line_events needs a code object");
        return NULL;
    }
    CodeRecord *record = code_record(self, (PyCodeObject *)code);
    if (record == NULL || record->file_data == NULL) {
        Py_RETURN_NONE;
    }
#if COVCORE_HAS_INSTR_LINES
    if (record->instr) {
        return PyUnicode_FromString(record->instr_lines->ambiguous ? "INSTRUCTION, ambiguous" : "INSTRUCTION");
    }
#endif
    return PyUnicode_FromString("LINE");
}

static PyObject *
SysMon_get_tool_id(SysMon *self, void *closure)
{
    if (self->tool_id < 0) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLong(self->tool_id);
}

static PyMemberDef SysMon_members[] = {
    {"should_trace", T_OBJECT, offsetof(SysMon, should_trace), 0,
     "callable(filename, frame) -> the name to record under, or None"},
    {"should_trace_cache", T_OBJECT, offsetof(SysMon, should_trace_cache), 0,
     "dict: file name -> decision of should_trace"},
    {"data", T_OBJECT, offsetof(SysMon, data), 0, "dict: measured file name -> LineSet"},
    {"trace_arcs", T_BOOL, offsetof(SysMon, trace_arcs), 0, "record arcs rather than lines"},
    {"lost_tool", T_INT, offsetof(SysMon, lost_tool), READONLY,
     "the program freed the tool id while measuring: measuring stopped there"},
    {"_misfits", T_PYSSIZET, offsetof(SysMon, misfits), READONLY,
     "branch mode: code objects the flow model did not fit (expected 0)"},
    {NULL}
};

static PyGetSetDef SysMon_getset[] = {
    {"tool_id", (getter)SysMon_get_tool_id, NULL, "the sys.monitoring tool id in use, or None", NULL},
    {NULL}
};

#define CALLBACK_DEF(name) \
    {"_" #name, (PyCFunction)(void (*)(void))SysEvents_##name, METH_FASTCALL, "sys.monitoring callback"}

static PyMethodDef SysMon_methods[] = {
    {"start", (PyCFunction)SysMon_start, METH_NOARGS, "Start measuring, in every thread."},
    {"stop", (PyCFunction)SysMon_stop, METH_NOARGS, "Stop measuring and free the tool id."},
    {"restart_events", (PyCFunction)SysMon_restart_events, METH_NOARGS,
     "Report every line (and arc) again, from every frame: a new context starts."},
    {"activity", (PyCFunction)SysMon_activity, METH_NOARGS, "Any events since reset_activity()?"},
    {"reset_activity", (PyCFunction)SysMon_reset_activity, METH_NOARGS, "Forget past activity."},
    {"get_stats", (PyCFunction)SysMon_get_stats, METH_NOARGS, "Counters, or None."},
    {"_flow_arcs", (PyCFunction)SysMon_flow_arcs, METH_O, "Branch mode: the arcs a code object can record, or None."},
    {"_flow_state", (PyCFunction)SysMon_flow_state, METH_O, "Branch mode: how a code object is measured now."},
    {"_line_events", (PyCFunction)SysMon_line_events, METH_O, "Which events bring a code object's lines."},
    CALLBACK_DEF(on_py_start),
    CALLBACK_DEF(on_py_resume),
    CALLBACK_DEF(on_py_throw),
    CALLBACK_DEF(on_py_return),
    CALLBACK_DEF(on_py_yield),
    CALLBACK_DEF(on_py_unwind),
    CALLBACK_DEF(on_line),
    CALLBACK_DEF(on_jump),
    CALLBACK_DEF(on_exception_handled),
#if COVCORE_HAS_INSTR_LINES
    {"_on_instruction", (PyCFunction)(void (*)(void))SysInstr_on_instruction, METH_FASTCALL, "sys.monitoring callback"},
#endif
#if COVCORE_HAS_BRANCH_EVENTS
    CALLBACK_DEF(on_branch_left),
    CALLBACK_DEF(on_branch_right),
#endif
    {NULL}
};

PyTypeObject SysMonType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "covcore._ctracer.SysMon",
    .tp_doc = "The sys.monitoring core: one instance measures every thread.",
    .tp_basicsize = sizeof(SysMon),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)SysMon_init,
    .tp_dealloc = (destructor)SysMon_dealloc,
    .tp_traverse = (traverseproc)SysMon_traverse,
    .tp_clear = (inquiry)SysMon_clear,
    .tp_members = SysMon_members,
    .tp_getset = SysMon_getset,
    .tp_methods = SysMon_methods,
};

#endif /* COVCORE_HAS_SYSMON */
