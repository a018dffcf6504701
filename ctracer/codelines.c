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

/* Offset just past the first RESUME (0 before 3.11, which has none). */
static Py_ssize_t
body_start(PyCodeObject *code)
{
#if PY_VERSION_HEX >= 0x030B0000
    Py_ssize_t start = 0;
    PyObject *bytes = Cov_CodeBytes(code);     /* owned */
    if (bytes == NULL) {
        PyErr_Clear();
        return 0;
    }
    const unsigned char *ops = (const unsigned char *)PyBytes_AS_STRING(bytes);
    for (Py_ssize_t i = 0; i + 1 < PyBytes_GET_SIZE(bytes); i += 2) {
        if (ops[i] == RESUME) {
            start = i + 2;
            break;
        }
    }
    Cov_CodeBytesDone(bytes);
    return start;
#else
    (void)code;
    return 0;
#endif
}

static CodeLines *
build(PyCodeObject *code)
{
    CodeLines *cl = NULL;
    PyObject *iter = NULL;          /* owned */
    PyObject *item = NULL;          /* owned */
    Py_ssize_t start = body_start(code);

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
                if (cl->n_lines == alloc) {
                    alloc = alloc ? alloc * 2 : 16;
                    int *bigger = PyMem_RawRealloc(cl->lines, (size_t)alloc * sizeof(int));
                    if (bigger == NULL) {
                        PyErr_NoMemory();
                        goto error;
                    }
                    cl->lines = bigger;
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
