/* The helpers of util.h that are not inline: reading one instruction,
 * growing an array, calling a method by an interned name.
 */

#include "util.h"

#include <stdarg.h>
#include <string.h>

int
Cov_InstrAt(PyCodeObject *code, int offset, int *op, int *arg)
{
    PyObject *bytes = Cov_CodeBytes(code);     /* owned (borrowed on 3.10) */
    if (bytes == NULL) {
        PyErr_Clear();
        return 0;
    }
    int found = offset >= 0 && offset + 1 < PyBytes_GET_SIZE(bytes);
    if (found) {
        const unsigned char *ops = (const unsigned char *)PyBytes_AS_STRING(bytes);
        *op = ops[offset];
        *arg = ops[offset + 1];
    }
    Cov_CodeBytesDone(bytes);
    return found;
}

Py_ssize_t
Cov_BodyStart(PyCodeObject *code)
{
#if COVCORE_HAS_RESUME
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

int
Cov_Reserve(void *items, Py_ssize_t used, Py_ssize_t *alloc, size_t item_size, Py_ssize_t first, int raw)
{
    if (used < *alloc) {
        return RET_OK;
    }
    Py_ssize_t bigger = *alloc > 0 ? *alloc * 2 : first;
    if (bigger <= used || (size_t)bigger > PY_SSIZE_T_MAX / item_size) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    /* The pointer is moved through memcpy: `items` points at an `int *`,
     * a `uint64_t *`, ..., never at a `void *`.
     */
    void *old, *grown;
    memcpy(&old, items, sizeof old);
    size_t size = (size_t)bigger * item_size;
    grown = raw ? PyMem_RawRealloc(old, size) : PyMem_Realloc(old, size);
    if (grown == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    memcpy(items, &grown, sizeof grown);
    *alloc = bigger;
    return RET_OK;
}

CovNames Cov_names;

int
Cov_InternNames(void)
{
#define COV_INTERN(name) \
    if (Cov_names.name == NULL && (Cov_names.name = PyUnicode_InternFromString(#name)) == NULL) { \
        return RET_ERROR; \
    }
    COV_NAMES(COV_INTERN)
#undef COV_INTERN
    return RET_OK;
}

PyObject *
Cov_CallMethod(PyObject *obj, PyObject *name, const char *format, ...)
{
    PyObject *result = NULL;    /* owned, returned */
    PyObject *method = NULL;    /* owned */
    PyObject *args = NULL;      /* owned */

    method = PyObject_GetAttr(obj, name);
    if (method == NULL) {
        goto error;
    }
    if (format == NULL) {
        result = PyObject_CallNoArgs(method);
        goto error;
    }
    va_list va;
    va_start(va, format);
    args = Py_VaBuildValue(format, va);
    va_end(va);
    if (args == NULL) {
        goto error;
    }
    if (!PyTuple_Check(args)) {
        PyErr_SetString(PyExc_SystemError, "Cov_CallMethod: the format must build a tuple");
        goto error;
    }
    result = PyObject_Call(method, args, NULL);
error:
    Py_XDECREF(args);
    Py_XDECREF(method);
    return result;
}
