/* SysDone: when branch mode has nothing left to record, see sysdone.h.
 * What runs here is what happens when something changes: a code object's
 * flow completes, a satisfied reader may need arcs again, the model turns
 * out not to fit, the recorded data is cleared.
 */

#include "sysdone.h"

#if COVCORE_HAS_SYSMON

/* Every tracked frame of modelled `code` (of all modelled code for NULL)
 * becomes exact: its previous line is the line its frame is on now (`line`
 * for `current_frame`, whose line event is being handled), and suspended
 * ones resume exact.  Stale entries are dropped first: their frames may
 * be gone.
 */
static int
make_frames_exact(SysMon *self, PyCodeObject *code, struct _PyInterpreterFrame *current_frame, int line)
{
    if (SysFrames_drop_stale(self) < 0) {
        return RET_ERROR;
    }
    for (Py_ssize_t t = 0; t < self->n_threads; t++) {
        ThreadStack *stack = &self->threads[t];
        for (Py_ssize_t i = 0; i <= stack->depth; i++) {
            SysMonEntry *entry = &stack->entries[i];
            if (code != NULL ? entry->code != code : entry->record->branch.state != FLOW_ON) {
                continue;
            }
            entry->last_line = entry->iframe == current_frame ? line
                               : PyUnstable_InterpreterFrame_GetLine(entry->iframe);
            if (!entry->exact) {
                entry->exact = 1;
                entry->record->branch.exact_frames++;
            }
        }
    }
    SysFrames_make_suspended_stale(self, code);
    return RET_OK;
}

int
SysDone_lines_back_on(SysMon *self, PyCodeObject *code)
{
    if (SysCode_set_events(self, code, BRANCH_EVENTS & ~EV_LINE) < 0) {
        return RET_ERROR;
    }
    return SysCode_set_events(self, code, BRANCH_EVENTS);
}

/* `line` ran for the first time, and it feeds a reader while locations
 * were turned off with a reader's arcs still missing (satisfied_off): every
 * line location of the code is turned back on (each turns off again at its
 * next event).  A running frame's last written line may be stale
 * meanwhile, so every tracked frame of the code becomes exact: its previous
 * line is the line its frame is on now, and each of its line events
 * reports until a writer makes the model hold again.
 */
int
SysDone_first_reach(SysMon *self, PyCodeObject *code, CodeRecord *record, int line, SysMonEntry *current)
{
    record->branch.satisfied_off = 0;
    STATS(self->stats.others++);
    if (make_frames_exact(self, code, current != NULL ? current->iframe : NULL, line) < 0) {
        return RET_ERROR;
    }
    return SysDone_lines_back_on(self, code);
}

/* Recorded data was cleared (a new context, data saved while running):
 * the locations whose events were turned off must report again, and a
 * frame's last written line may be stale, since a writer stops writing
 * once its readers are complete.  Every tracked frame of modelled code
 * becomes exact from the line it is on (see line_reached()).
 */
int
SysDone_data_cleared(void)
{
    SysMon *self = SysMon_process.clearing;     /* borrowed, see SysMonProcess */
    if (self == NULL || !self->started) {
        return RET_OK;
    }
    if (make_frames_exact(self, NULL, NULL, 0) < 0) {
        return RET_ERROR;
    }
    PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.restart_events, NULL);
    Py_XDECREF(res);
    return res == NULL ? RET_ERROR : RET_OK;
}

int
SysDone_flow_complete(CodeRecord *record, LineSet *file_data)
{
    SysBranchMode *branch = &record->branch;
    const CodeFlow *flow = branch->flow;
    branch->seen_version = file_data->version;
    if (branch->missing < flow->n_arcs && !LineSet_HasKey(file_data, flow->arcs[branch->missing])) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < flow->n_arcs; i++) {
        if (!LineSet_HasKey(file_data, flow->arcs[i])) {
            branch->missing = i;
            return 0;
        }
    }
    return 1;
}

/* Every arc of `code` is recorded: switch its local events off and forget
 * its frames in every thread.  What those frames (and later ones) can
 * record is recorded already, except an exception leaving them, which the
 * global PY_UNWIND event still reports.
 */
static int
flow_switch_off(SysMon *self, PyCodeObject *code, CodeRecord *record)
{
    record->branch.state = FLOW_OFF;
    STATS(self->stats.complete_skips++);
    SysFrames_forget(self, code);
    return SysCode_set_events(self, code, 0);
}

int
SysDone_misfit(SysMon *self, CodeRecord *record)
{
    record->branch.state = FLOW_NONE;
    self->misfits++;
    PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.restart_events, NULL);
    Py_XDECREF(res);
    return res == NULL ? RET_ERROR : RET_OK;
}

int
SysDone_new_arc(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data,
                uint64_t key, uint64_t version_before)
{
    if (file_data->version != version_before && !CodeFlow_HasArc(record->branch.flow, key)
        && (int32_t)(uint32_t)key != -code->co_firstlineno) {
        return SysDone_misfit(self, record);
    }
    if (SysDone_flow_complete(record, file_data)) {
        return flow_switch_off(self, code, record);
    }
    return RET_OK;
}

#endif /* COVCORE_HAS_SYSMON */
