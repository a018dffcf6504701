/* ExcTable: a code object's exception table (3.11+), read into a list of
 * handlers for sysflow's walk.
 */
#ifndef COVCORE_EXCTABLE_H
#define COVCORE_EXCTABLE_H

#include "sysflow.h"

#if COVCORE_HAS_SYSMON

/* One entry: an exception raised by code units [start, end) goes to the
 * code unit `target`.
 */
typedef struct Handler {
    Py_ssize_t start, end, target;
} Handler;

typedef struct ExcTable {
    Handler *handlers;      /* owned: PyMem array */
    Py_ssize_t n;
} ExcTable;

/* Read the exception table of `code`, whose bytecode has `n_units` code
 * units: MODEL_OK; MODEL_OUTSIDE when the table does not parse as expected;
 * MODEL_FAILED.
 */
ModelResult ExcTable_Read(PyCodeObject *code, Py_ssize_t n_units, ExcTable *table);

void ExcTable_Clear(ExcTable *table);

#endif

#endif /* COVCORE_EXCTABLE_H */
