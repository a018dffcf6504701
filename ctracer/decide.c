/* The file decision shared by the cores, see decide.h. */

#include "decide.h"

int
Decide_FileData(DecideContext *ctx, PyObject *filename, PyObject *frame,
                LineSet **file_data, int *cache_hit)
{
    int ret = RET_ERROR;
    PyObject *disposition = NULL;   /* owned */
    PyObject *existing = NULL;      /* borrowed from ctx->data */

    *file_data = NULL;
    disposition = PyDict_GetItemWithError(ctx->should_trace_cache, filename);
    if (disposition != NULL) {
        Py_INCREF(disposition);
        *cache_hit = 1;
    }
    else {
        if (PyErr_Occurred()) {
            goto error;
        }
        *cache_hit = 0;
        disposition = PyObject_CallFunctionObjArgs(
            ctx->should_trace, filename, frame ? frame : Py_None, NULL);
        if (disposition == NULL) {
            PyErr_WriteUnraisable(ctx->should_trace);
            disposition = Py_NewRef(Py_None);
        }
        if (PyDict_SetItem(ctx->should_trace_cache, filename, disposition) < 0) {
            goto error;
        }
    }
    if (disposition == Py_None) {
        ret = RET_OK;
        goto error;
    }

    existing = PyDict_GetItemWithError(ctx->data, disposition);
    if (existing == NULL) {
        if (PyErr_Occurred()) {
            goto error;
        }
        LineSet *fresh = LineSet_New(ctx->trace_arcs);  /* owned */
        if (fresh == NULL) {
            goto error;
        }
        int rc = PyDict_SetItem(ctx->data, disposition, (PyObject *)fresh);
        Py_DECREF(fresh);       /* ctx->data holds it now */
        if (rc < 0) {
            goto error;
        }
        existing = (PyObject *)fresh;
    }
    else if (!PyObject_TypeCheck(existing, &LineSetType)) {
        PyErr_SetString(PyExc_TypeError, "tracer data values must be LineSets");
        goto error;
    }
    *file_data = (LineSet *)existing;
    ret = RET_OK;
error:
    Py_XDECREF(disposition);
    return ret;
}

int
Cov_IsRealReturn(PyCodeObject *code, int lasti)
{
    if (!(code->co_flags & COV_RESUMABLE_FLAGS)) {
        return 1;
    }
    if (lasti < 0) {
        return 1;
    }
    int op, arg;
#if COVCORE_HAS_RESUME
    /* A suspended frame resumes at the RESUME that follows its yield. */
    return !(Cov_InstrAt(code, COV_LASTI_AT_RESUME ? lasti : lasti + 2, &op, &arg) && op == RESUME);
#else
    if (Cov_InstrAt(code, lasti, &op, &arg) && op == YIELD_VALUE) {
        return 0;
    }
    return !(Cov_InstrAt(code, lasti + 2, &op, &arg) && op == YIELD_FROM);
#endif
}
