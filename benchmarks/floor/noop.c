/* The cheapest possible settrace tracer: a C trace function that does
 * nothing.  benchmarks/settrace_floor.py measures it, to show what CPython's
 * tracing machinery alone costs a program, whatever the tracer does.
 */
#include <Python.h>

static int
noop_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    (void)obj; (void)frame; (void)what; (void)arg;
    return 0;
}

static PyObject *
noop_start(PyObject *module, PyObject *unused)
{
    (void)module; (void)unused;
    PyEval_SetTrace(noop_trace, NULL);
    Py_RETURN_NONE;
}

static PyObject *
noop_stop(PyObject *module, PyObject *unused)
{
    (void)module; (void)unused;
    PyEval_SetTrace(NULL, NULL);
    Py_RETURN_NONE;
}

static PyMethodDef noop_methods[] = {
    {"start", noop_start, METH_NOARGS, "Install the do-nothing trace function in this thread."},
    {"stop", noop_stop, METH_NOARGS, "Remove it."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef noop_module = {
    PyModuleDef_HEAD_INIT, "covbench_noop", NULL, -1, noop_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit_covbench_noop(void)
{
    return PyModule_Create(&noop_module);
}
