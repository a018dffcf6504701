/* ExcTable: the exception-table reader, see exctable.h.
 *
 * The table (3.11+, Objects/exception_handling_notes.txt in CPython) is a
 * sequence of entries of four varints: start, length, target (in code
 * units) and depth/lasti.  A varint is big-endian in groups of six bits,
 * 0x40 marking that another group follows; the first byte of an entry also
 * carries 0x80, which the reader masks off.
 */

#include "exctable.h"

#if COVCORE_HAS_SYSMON

/* One varint at `*pos`, or -1 past the end of the table. */
static long
read_varint(const unsigned char *table, Py_ssize_t size, Py_ssize_t *pos)
{
    if (*pos >= size) {
        return -1;
    }
    unsigned char b = table[(*pos)++];
    long value = b & 63;
    while ((b & 64) && *pos < size && value < (1L << 24)) {
        b = table[(*pos)++];
        value = (value << 6) | (b & 63);
    }
    return value;
}

ModelResult
ExcTable_Read(PyCodeObject *code, Py_ssize_t n_units, ExcTable *table)
{
    const unsigned char *bytes = (const unsigned char *)PyBytes_AS_STRING(code->co_exceptiontable);
    Py_ssize_t size = PyBytes_GET_SIZE(code->co_exceptiontable);
    /* An entry takes at least four bytes. */
    Py_ssize_t most = size / 4 + 1;
    Py_ssize_t pos = 0;

    table->n = 0;
    table->handlers = PyMem_Malloc((size_t)most * sizeof(Handler));
    if (table->handlers == NULL) {
        PyErr_NoMemory();
        return MODEL_FAILED;
    }
    while (pos < size) {
        long start = read_varint(bytes, size, &pos);
        long length = read_varint(bytes, size, &pos);
        long target = read_varint(bytes, size, &pos);
        long depth_lasti = read_varint(bytes, size, &pos);
        if (start < 0 || length < 0 || target < 0 || depth_lasti < 0 || start + length > n_units
            || target >= n_units || table->n >= most) {
            ExcTable_Clear(table);
            return MODEL_OUTSIDE;
        }
        Handler *handler = &table->handlers[table->n++];
        handler->start = start;
        handler->end = start + length;
        handler->target = target;
    }
    return MODEL_OK;
}

void
ExcTable_Clear(ExcTable *table)
{
    PyMem_Free(table->handlers);
    table->handlers = NULL;
    table->n = 0;
}

#endif
