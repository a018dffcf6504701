/* SysCode: the sys.monitoring core's decision for a code object (both
 * modes): is it measured in this run, into which LineSet, with which local
 * events, and (branch mode) with which flow.  The decision is taken at the
 * code's first PY_START of a run and kept in its CodeRecord (coderecord.h),
 * tagged with the run's generation.
 */
#ifndef COVCORE_SYSCODE_H
#define COVCORE_SYSCODE_H

#include "sysmon.h"

#if COVCORE_HAS_SYSMON

/* The record of `code` if this run decided it, else NULL (no exception
 * set).  A stopped SysMon (generation 0) can find a record no run decided,
 * made by the settrace core: its file_data is NULL, so it reads as not
 * measured.  Inline: every callback asks.
 */
static inline CodeRecord *
code_record(SysMon *self, PyCodeObject *code)
{
    CodeRecord *record = NULL;      /* borrowed: the code owns it */
    if (CodeRecord_Get(code, &record) < 0) {
        PyErr_Clear();
        return NULL;
    }
    if (record != NULL && record->generation == self->generation) {
        return record;
    }
    return NULL;
}

/* Branch mode: build the flow of code whose decision was deferred (see
 * SysBranchMode.deferred) and switch it to the model; its running frames
 * become exact (`current`, whose line event at `line` is being handled,
 * or NULL).  RET_OK or RET_ERROR.
 */
int SysCode_undefer(SysMon *self, PyCodeObject *code, CodeRecord *record, struct _PyInterpreterFrame *current, int line);

/* Line events a deferred code object's frames may send before its flow is built. */
#define DEFER_LINES 64

/* sys.monitoring.set_local_events(tool_id, code, events).  RET_OK or RET_ERROR. */
int SysCode_set_events(SysMon *self, PyCodeObject *code, int events);

/* Decide whether `code` is measured (once per run), and give measured code
 * its local events.  *file_data is NULL for unmeasured code; *precord is
 * the code's record (borrowed).  RET_OK or RET_ERROR.
 */
int SysCode_decide(SysMon *self, PyCodeObject *code, LineSet **file_data, CodeRecord **precord);

#endif /* COVCORE_HAS_SYSMON */

#endif /* COVCORE_SYSCODE_H */
