/* covcore._ctracer: the C tracer cores of covcore. */

#include "util.h"
#include "lineset.h"
#include "tracer.h"
#include "decide.h"
#include "sysmon.h"
#include <string.h>

#include "coderecord.h"
#include "flowops.h"
#include "sigwatch.h"

/* args[0](*args[1:]) with the thread's "inside a trace or profile
 * callback" state switched off for the call (outside a callback there is
 * nothing to switch).
 */
static PyObject *
call_with_tracing_on(PyThreadState *tstate, PyObject *const *args, Py_ssize_t nargs)
{
    int inside = tstate->tracing > 0;
    if (inside) {
        Cov_LeaveTracing(tstate);
    }
    PyObject *result = PyObject_Vectorcall(args[0], args + 1, (size_t)(nargs - 1), NULL);
    if (inside) {
        Cov_EnterTracing(tstate);
    }
    return result;
}

/* call_traced(fn, *args): call fn with tracing switched back on.
 *
 * CPython runs trace and profile functions with tracing off, so code that a
 * sys.setprofile function runs is never measured.  covcore's profile
 * wrapper calls the program's profile function through this, so that the
 * tracer (settrace or sys.monitoring) sees its lines; the wrapper itself
 * keeps the nested profile events away from the program's function.
 */
static PyObject *
call_traced(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "call_traced needs a function to call");
        return NULL;
    }
    return call_with_tracing_on(PyThreadState_Get(), args, nargs);
}

/* call_traced_alone(fn, *args): call_traced, with the thread's settrace
 * function switched off for the call.
 *
 * Under the sysmon core, the thread's settrace function is the program's
 * own.  CPython would never let it see the code of the program's profile
 * function (which runs with tracing off), so it mustn't see it now that
 * covcore traces that code: a tracer and a profiler that share a lock would
 * deadlock.  The thread's reference to the trace object moves to this call
 * and back.  (The settrace cores keep their own tracer on, and hold back
 * only the program's function they chain: see covcore.tracehooks.)
 */
static PyObject *
call_traced_alone(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "call_traced_alone needs a function to call");
        return NULL;
    }
    PyThreadState *tstate = PyThreadState_Get();
    Py_tracefunc trace = tstate->c_tracefunc;
    PyObject *trace_obj = tstate->c_traceobj;   /* owned: taken from the thread */
    tstate->c_tracefunc = NULL;
    tstate->c_traceobj = NULL;
    PyObject *result = call_with_tracing_on(tstate, args, nargs);
    if (tstate->c_tracefunc == NULL && tstate->c_traceobj == NULL) {
        tstate->c_tracefunc = trace;
        tstate->c_traceobj = trace_obj;
    }
    else {
        /* The profile function set a trace function of its own: it stays. */
        Py_XDECREF(trace_obj);
    }
    return result;
}

/* untraced(fn, name): a built-in function called `name` that calls fn with
 * tracing switched off, as CPython runs its own C functions.
 *
 * covcore's replacements of sys.settrace, sys.setprofile, ... are Python
 * functions; as built-ins the program's tracer and profiler see them as
 * they see the functions they replace: no frames or lines of covcore's, and
 * the profiler's c_call/c_return (which CPython gives only for built-in
 * functions) exactly when it would get them.  Each name's PyMethodDef lives
 * as long as the process (a few names, each made once).
 */
static PyObject *
untraced_call(PyObject *fn, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyThreadState *tstate = PyThreadState_Get();
    Cov_EnterTracing(tstate);
    PyObject *result = PyObject_Vectorcall(fn, args, (size_t)nargs, kwnames);
    Cov_LeaveTracing(tstate);
    return result;
}

#define UNTRACED_MAX_NAMES 32
static PyMethodDef untraced_defs[UNTRACED_MAX_NAMES];
static int untraced_count = 0;

static PyObject *
untraced(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyCallable_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "untraced(fn, name) needs a callable and a name");
        return NULL;
    }
    const char *name = PyUnicode_AsUTF8(args[1]);
    if (name == NULL) {
        return NULL;
    }
    PyMethodDef *def = NULL;        /* static storage */
    for (int i = 0; i < untraced_count && def == NULL; i++) {
        if (strcmp(untraced_defs[i].ml_name, name) == 0) {
            def = &untraced_defs[i];
        }
    }
    if (def == NULL) {
        if (untraced_count == UNTRACED_MAX_NAMES) {
            PyErr_SetString(PyExc_RuntimeError, "untraced: too many names");
            return NULL;
        }
        char *copy = PyMem_RawMalloc(strlen(name) + 1);
        if (copy == NULL) {
            return PyErr_NoMemory();
        }
        strcpy(copy, name);
        def = &untraced_defs[untraced_count++];
        def->ml_name = copy;
        def->ml_meth = (PyCFunction)(void (*)(void))untraced_call;
        def->ml_flags = METH_FASTCALL | METH_KEYWORDS;
        def->ml_doc = NULL;
    }
    return PyCFunction_NewEx(def, args[0], NULL);
}

/* around(fn, before, after): a built-in function that calls before(frame),
 * then fn(*args), then after(frame), `frame` being the running frame (None
 * if there is none), and returns what fn returned (or raises what it raised).
 *
 * covcore.tracehooks registers the program's sys.monitoring callbacks
 * wrapped this way under the Python settrace core, which swaps the frames'
 * f_trace around each one (covcore.pytracer, PyTracer.monitoring_enter).
 * A built-in adds no frame: a callback that finds the frame of its event
 * with sys._getframe().f_back (bdb's does) still finds it.  An exception in
 * before or after is reported as unraisable, never given to the program.
 */
static void
around_hook(PyObject *hook, PyObject *frame)
{
    PyObject *result = PyObject_CallOneArg(hook, frame);    /* owned */
    if (result == NULL) {
        PyErr_WriteUnraisable(hook);
    }
    Py_XDECREF(result);
}

static PyObject *
around_call(PyObject *parts, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    /* parts: (fn, before, after), a tuple made by around().  CPython calls a
     * sys.monitoring callback through a borrowed reference, and a callback
     * that unregisters itself (pdb's stop_trace, from inside its own) frees
     * this wrapper while it runs: its tuple is held here for the call.
     */
    Py_INCREF(parts);
    PyObject *frame = (PyObject *)PyEval_GetFrame();    /* borrowed */
    if (frame == NULL) {
        frame = Py_None;
    }
    Py_INCREF(frame);       /* the callback may end the frame's other references */
    around_hook(PyTuple_GET_ITEM(parts, 1), frame);
    PyObject *result = PyObject_Vectorcall(PyTuple_GET_ITEM(parts, 0), args, (size_t)nargs, kwnames);
    PyObject *type, *value, *tb;        /* owned: fn's exception, if any */
    PyErr_Fetch(&type, &value, &tb);
    around_hook(PyTuple_GET_ITEM(parts, 2), frame);
    PyErr_Restore(type, value, tb);
    Py_DECREF(frame);
    Py_DECREF(parts);
    return result;
}

static PyMethodDef around_def = {
    "around", (PyCFunction)(void (*)(void))around_call, METH_FASTCALL | METH_KEYWORDS, NULL,
};

static PyObject *
around(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyCallable_Check(args[0]) || !PyCallable_Check(args[1]) || !PyCallable_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "around(fn, before, after) needs three callables");
        return NULL;
    }
    PyObject *parts = PyTuple_New(3);       /* owned */
    if (parts == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < 3; i++) {
        PyTuple_SET_ITEM(parts, i, Py_NewRef(args[i]));
    }
    PyObject *wrapper = PyCFunction_NewEx(&around_def, parts, NULL);
    Py_DECREF(parts);
    return wrapper;
}

/* exec_detached(code, globals): exec(code, globals) for the measured
 * program's main module, with no frame below it.
 *
 * `covcore run` runs the program from Python code (cmdline.py,
 * execfile.py, runpy), and CPython links the program's module frame to the
 * frame that runs it: pdb's `where` after breakpoint(), faulthandler's dump,
 * traceback.print_stack(), inspect.stack() and warnings' stacklevel went on
 * into covcore's frames.  The thread's link to its running frames is
 * emptied for the call (Cov_DetachFrames), so the module frame's f_back is
 * None, as under `python prog.py`; covcore's frames stay on the C stack and
 * get their link back when the program's code returns or raises.
 */
static PyObject *
exec_detached(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyCode_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "exec_detached(code, globals) needs a code object and a dict");
        return NULL;
    }
    PyThreadState *ts = PyThreadState_Get();
    Cov_FrameLink link = Cov_DetachFrames(ts);
    PyObject *result = PyEval_EvalCode(args[0], args[1], args[1]);
    Cov_AttachFrames(ts, link);
    return result;
}

static PyMethodDef module_methods[] = {
    {"untraced", (PyCFunction)(void (*)(void))untraced, METH_FASTCALL,
     "untraced(fn, name): a built-in function `name` that calls fn with tracing off."},
    {"around", (PyCFunction)(void (*)(void))around, METH_FASTCALL,
     "around(fn, before, after): a built-in that calls before(frame), fn(*args), after(frame)."},
    {"exec_detached", (PyCFunction)(void (*)(void))exec_detached, METH_FASTCALL,
     "exec_detached(code, globals): exec(code, globals), the code's frame with no f_back."},
    {"call_traced", (PyCFunction)(void (*)(void))call_traced, METH_FASTCALL,
     "call_traced(fn, *args): call fn with tracing on, from inside a trace or profile function."},
    {"call_traced_alone", (PyCFunction)(void (*)(void))call_traced_alone, METH_FASTCALL,
     "call_traced_alone(fn, *args): call_traced, with the thread's settrace function off meanwhile."},
    {"watch_sigterm", Sigwatch_arm, METH_NOARGS,
     "watch_sigterm(): let the cores run Python's SIGTERM handler between any two events."},
    {"_code_lines", CodeLines_describe, METH_O,
     "_code_lines(code): the lines the cores count for a code object, sorted (for tests)."},
#if COVCORE_HAS_SYSMON
    {"_flow_table", FlowOps_describe, METH_NOARGS,
     "_flow_table(): the branch model's opcode table for this Python (for tests)."},
#endif
    {NULL}
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "covcore._ctracer",
    .m_doc = "covcore's tracer cores written in C.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__ctracer(void)
{
    PyObject *mod = NULL;       /* owned, returned on success */

    /* One co_extra slot holds both cores' per-code records. */
    if (Cov_InternNames() < 0 || CTracer_intern_strings() < 0 || Decide_intern_strings() < 0
        || CodeRecord_init_module() < 0) {
        return NULL;
    }
    if (PyType_Ready(&LineSetType) < 0 || PyType_Ready(&CTracerType) < 0) {
        return NULL;
    }
#if COVCORE_HAS_SYSMON
    if (PyType_Ready(&SysMonType) < 0) {
        return NULL;
    }
#endif
    mod = PyModule_Create(&moduledef);
    if (mod == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(mod, "LineSet", (PyObject *)&LineSetType) < 0
        || PyModule_AddObjectRef(mod, "CTracer", (PyObject *)&CTracerType) < 0
#if COVCORE_HAS_SYSMON
        || PyModule_AddObjectRef(mod, "SysMon", (PyObject *)&SysMonType) < 0
#endif
#ifdef COVCORE_STATS
        || PyModule_AddIntConstant(mod, "STATS", 1) < 0
#else
        || PyModule_AddIntConstant(mod, "STATS", 0) < 0
#endif
        ) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
