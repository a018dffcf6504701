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
    int real = 1;
    PyObject *bytes = Cov_CodeBytes(code);     /* owned (borrowed on 3.10) */
    if (bytes == NULL) {
        PyErr_Clear();
        return 1;
    }
    const unsigned char *ops = (const unsigned char *)PyBytes_AS_STRING(bytes);
    Py_ssize_t size = PyBytes_GET_SIZE(bytes);
#if PY_VERSION_HEX >= 0x030B0000
    /* A suspended frame resumes at the RESUME that follows its yield. */
    int at = COV_LASTI_AT_RESUME ? lasti : lasti + 2;
    if (lasti >= 0 && at < size) {
        real = ops[at] != RESUME;
    }
#else
    if (lasti >= 0 && lasti < size) {
        if (ops[lasti] == YIELD_VALUE) {
            real = 0;
        }
        else if (lasti + 2 < size && ops[lasti + 2] == YIELD_FROM) {
            real = 0;
        }
    }
#endif
    Cov_CodeBytesDone(bytes);
    return real;
}
