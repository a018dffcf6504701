/* Which code objects are fully covered, see codelines.h. */

#include "codelines.h"
#include "coderecord.h"

/* Kept in the record of each code object a core has asked about. */
struct CodeLines {
    int *lines;             /* owned: the lines the code can report */
    Py_ssize_t n_lines;
    uint64_t serial;        /* the LineSet last checked against (0: none) */
    uint64_t version;       /* its version then */
    int complete;           /* every line was in it */
};

void
CodeLines_Free(CodeLines *cl)
{
    if (cl != NULL) {
        PyMem_RawFree(cl->lines);
        PyMem_RawFree(cl);
    }
}

static CodeLines *
build(PyCodeObject *code)
{
    CodeLines *cl = NULL;
    PyObject *iter = NULL;          /* owned */
    PyObject *item = NULL;          /* owned */
    Py_ssize_t start = Cov_BodyStart(code);

    cl = PyMem_RawCalloc(1, sizeof(CodeLines));
    if (cl == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    PyObject *co_lines = PyObject_CallMethod((PyObject *)code, "co_lines", NULL);
    if (co_lines == NULL) {
        goto error;
    }
    iter = PyObject_GetIter(co_lines);
    Py_DECREF(co_lines);
    if (iter == NULL) {
        goto error;
    }
    Py_ssize_t alloc = 0;
    while ((item = PyIter_Next(iter)) != NULL) {
        Py_ssize_t begin, end;
        PyObject *line;
        if (!PyArg_ParseTuple(item, "nnO", &begin, &end, &line)) {
            goto error;
        }
        if (line != Py_None && end > start) {
            int lineno = (int)PyLong_AsLong(line);
            if (lineno == -1 && PyErr_Occurred()) {
                goto error;
            }
            int seen = 0;
            for (Py_ssize_t i = 0; i < cl->n_lines && !seen; i++) {
                seen = cl->lines[i] == lineno;
            }
            if (!seen) {
                if (COV_RESERVE_RAW(cl->lines, cl->n_lines, alloc, 16) < 0) {
                    goto error;
                }
                cl->lines[cl->n_lines++] = lineno;
            }
        }
        Py_CLEAR(item);
    }
    if (PyErr_Occurred()) {
        goto error;
    }
    Py_DECREF(iter);
    return cl;
error:
    Py_XDECREF(item);
    Py_XDECREF(iter);
    CodeLines_Free(cl);
    return NULL;
}

int
CodeLines_Complete(PyCodeObject *code, LineSet *file_data)
{
    CodeRecord *record = NULL;      /* borrowed: the code owns it */
    if (CodeRecord_Get(code, &record) < 0) {
        return RET_ERROR;
    }
    CodeLines *cl = record != NULL ? record->code_lines : NULL;    /* borrowed: the record owns it */
    if (cl == NULL) {
        record = CodeRecord_Make(code);
        if (record == NULL) {
            return RET_ERROR;
        }
        cl = build(code);
        if (cl == NULL) {
            return RET_ERROR;
        }
        record->code_lines = cl;
    }
    if (cl->serial == file_data->serial && cl->version == file_data->version) {
        return cl->complete;
    }
    cl->serial = file_data->serial;
    cl->version = file_data->version;
    cl->complete = cl->n_lines > 0;
    for (Py_ssize_t i = 0; i < cl->n_lines && cl->complete; i++) {
        cl->complete = LineSet_HasKey(file_data, (uint64_t)(uint32_t)cl->lines[i]);
    }
    return cl->complete;
}
