/* The file decision shared by the cores, see decide.h. */

#include "decide.h"

static PyObject *str_start_frame;   /* "start_frame" */
static PyObject *str_line;          /* "line" */
static PyObject *str_leave;         /* "leave" */
static PyObject *str_adopt_code;    /* "adopt_code" */

int
Decide_intern_strings(void)
{
    str_start_frame = PyUnicode_InternFromString("start_frame");
    str_line = PyUnicode_InternFromString("line");
    str_leave = PyUnicode_InternFromString("leave");
    str_adopt_code = PyUnicode_InternFromString("adopt_code");
    if (str_start_frame == NULL || str_line == NULL || str_leave == NULL || str_adopt_code == NULL) {
        return RET_ERROR;
    }
    return RET_OK;
}

int
Decide_FileData(DecideContext *ctx, PyObject *filename, PyObject *frame,
                LineSet **file_data, PyObject **claimed, int *cache_hit)
{
    int ret = RET_ERROR;
    PyObject *disposition = NULL;   /* owned */
    PyObject *existing = NULL;      /* borrowed from ctx->data */

    *file_data = NULL;
    *claimed = NULL;
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
    if (!PyUnicode_Check(disposition)) {
        /* A plug-in's file: the slow path.  (Never in files without plug-ins.) */
        *claimed = disposition;
        disposition = NULL;
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

PyObject *
Decide_PluginStart(PyObject *disposition, PyObject *frame, int real_call)
{
    PyObject *args[3] = {disposition, frame, real_call ? Py_True : Py_False};
    PyObject *recorder = PyObject_VectorcallMethod(
        str_start_frame, args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);    /* owned */
    if (recorder == NULL) {
        PyErr_WriteUnraisable(disposition);
        return NULL;
    }
    if (recorder == Py_None) {
        Py_DECREF(recorder);
        return NULL;
    }
    return recorder;
}

/* Call obj.<name>(arg1[, arg2]), reporting a failure as unraisable. */
static void
call_quietly(PyObject *obj, PyObject *name, PyObject *arg1, PyObject *arg2)
{
    PyObject *args[3] = {obj, arg1, arg2};
    size_t nargs = arg2 != NULL ? 3 : 2;
    PyObject *res = PyObject_VectorcallMethod(name, args, nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);  /* owned */
    if (res == NULL) {
        PyErr_WriteUnraisable(obj);
        return;
    }
    Py_DECREF(res);
}

void
Decide_PluginLine(PyObject *recorder, PyObject *frame)
{
    call_quietly(recorder, str_line, frame, NULL);
}

void
Decide_PluginLeave(PyObject *recorder, PyObject *frame, int real_return)
{
    call_quietly(recorder, str_leave, frame, real_return ? Py_True : Py_False);
}

void
Decide_PluginAdopt(PyObject *disposition, PyObject *code, PyObject *frame)
{
    call_quietly(disposition, str_adopt_code, code, frame != NULL ? frame : Py_None);
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
