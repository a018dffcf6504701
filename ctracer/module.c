/* covcore._ctracer: the C tracer cores of covcore. */

#include "util.h"
#include "lineset.h"
#include "tracer.h"
#include "sysmon.h"
#include "coderecord.h"
#include "flowops.h"

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
    PyThreadState *tstate = PyThreadState_Get();
    /* Outside a trace or profile callback there is nothing to switch. */
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

static PyMethodDef module_methods[] = {
    {"call_traced", (PyCFunction)(void (*)(void))call_traced, METH_FASTCALL,
     "call_traced(fn, *args): call fn with tracing on, from inside a trace or profile function."},
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
    if (CTracer_intern_strings() < 0 || CodeRecord_init_module() < 0) {
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
