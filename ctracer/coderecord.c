/* CodeRecord: the per-code record of both cores, see coderecord.h. */

#include "coderecord.h"
#include "sysinstr.h"

Py_ssize_t CodeRecord_slot = -1;

/* Called by CPython when the code object is freed. */
static void
free_code_record(void *ptr)
{
    CodeRecord *record = (CodeRecord *)ptr;
    if (record == NULL) {
        return;
    }
    CodeLines_Free(record->code_lines);
#if COVCORE_HAS_SYSMON
    CodeFlow_Free(record->branch.flow);
    PyMem_RawFree(record->branch.reached);
#endif
#if COVCORE_HAS_INSTR_LINES
    InstrLines_Free(record->instr_lines);
#endif
    PyMem_RawFree(record);
}

int
CodeRecord_init_module(void)
{
    if (CodeRecord_slot < 0) {
        CodeRecord_slot = Cov_RequestCodeExtraIndex(free_code_record);
    }
    if (CodeRecord_slot < 0) {
        /* CPython has a few slots per interpreter, and sets no error. */
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError, "no code object extra slot is left for covcore");
        }
        return RET_ERROR;
    }
    return RET_OK;
}

CodeRecord *
CodeRecord_Make(PyCodeObject *code)
{
    CodeRecord *record = NULL;      /* borrowed from the code when found, owned when made */
    if (CodeRecord_Get(code, &record) < 0) {
        return NULL;
    }
    if (record != NULL) {
        return record;
    }
    record = PyMem_RawCalloc(1, sizeof(CodeRecord));
    if (record == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
#if COVCORE_HAS_INSTR_LINES
    record->instr_cost = -1;
#endif
    if (Cov_CodeSetExtra((PyObject *)code, CodeRecord_slot, record) < 0) {
        PyMem_RawFree(record);
        return NULL;
    }
    return record;      /* the code owns it now */
}
