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

static int
compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Sort the lines and keep each once: O(n log n), so that a module of a
 * million lines is read in moments, not hours.
 */
static void
drop_repeats(CodeLines *cl)
{
    if (cl->n_lines < 2) {
        return;
    }
    qsort(cl->lines, (size_t)cl->n_lines, sizeof(int), compare_ints);
    Py_ssize_t kept = 1;
    for (Py_ssize_t i = 1; i < cl->n_lines; i++) {
        if (cl->lines[i] != cl->lines[kept - 1]) {
            cl->lines[kept++] = cl->lines[i];
        }
    }
    cl->n_lines = kept;
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
    PyObject *co_lines = Cov_CallMethod((PyObject *)code, Cov_names.co_lines, NULL);
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
            /* Repeats are dropped at the end (sorted), the common one,
             * the same line again at once, already here.
             */
            if (cl->n_lines == 0 || cl->lines[cl->n_lines - 1] != lineno) {
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
    drop_repeats(cl);
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
