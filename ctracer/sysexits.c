/* SysExits: the arcs of a frame leaving modelled code, see sysexits.h. */

#include "sysexits.h"

#if COVCORE_HAS_SYSMON

#include "sysdone.h"
#include "sysframes.h"

int
SysExits_unwind_lasti(PyObject *offset_arg)
{
    struct _PyInterpreterFrame *iframe = current_iframe();
    return iframe != NULL ? PyUnstable_InterpreterFrame_GetLasti(iframe) : (int)PyLong_AsLong(offset_arg);
}

/* Record the arc (from, to) of modelled code.  RET_OK or RET_ERROR. */
static int
flow_arc(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data, int from, int to)
{
    uint64_t key = LineSet_ArcKey(from, to);
    uint64_t version = file_data->version;
    if (LineSet_AddKey(file_data, key) < 0) {
        return RET_ERROR;
    }
    return flow_after_arc(self, code, record, file_data, key, version);
}

int
SysExits_line(const CodeFlow *flow, PyCodeObject *code, int offset, int lasti, int *final)
{
    Py_ssize_t unit = offset / 2, at = lasti / 2;
    int reported;
    if (unit <= flow->resume_unit || unit >= flow->n_units || flow->lines[unit] >= 0) {
        int silent = at > flow->resume_unit && at < flow->n_units && flow->lines[at] >= 0
                     && flow->exit_lines[at] != CODEFLOW_LASTI;
        reported = silent ? flow->exit_lines[at] : CodeFlow_LineAt(flow, code, offset);
    }
    else {
        int line = flow->exit_lines[unit];
        reported = line != CODEFLOW_LASTI ? line : CodeFlow_LineAt(flow, code, lasti);
    }
    *final = reported;
    if (COVCORE_RETURN_LINE_UNREPORTED && at > flow->resume_unit && at < flow->n_units && flow->lines[at] >= 0) {
        *final = flow->lines[at];
    }
    return reported;
}

int
SysExits_add_arcs(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data, int reported, int final)
{
    if (final != reported) {
        uint64_t into = LineSet_ArcKey(reported, final);
        if (CodeFlow_HasArc(record->branch.flow, into) ? flow_arc(self, code, record, file_data, reported, final) < 0
                                                       : LineSet_AddKey(file_data, into) < 0) {
            return RET_ERROR;
        }
    }
    return flow_arc(self, code, record, file_data, final, -code->co_firstlineno);
}

#endif /* COVCORE_HAS_SYSMON */
