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
SysDone_frames_exact(SysMon *self, PyCodeObject *code, struct _PyInterpreterFrame *current, int line)
{
    return make_frames_exact(self, code, current, line);
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

int
SysDone_track_again(SysMon *self, PyCodeObject *code, CodeRecord *record, int line)
{
    record->branch.sat_state = SAT_UNKNOWN;
    record->branch.satisfied_off = 0;
    STATS(self->stats.others++);
    if (SysCode_set_events(self, code, 0) < 0 || SysCode_set_events(self, code, BRANCH_EVENTS) < 0) {
        return RET_ERROR;
    }
    /* Exact until each reaches a writer; no location turns off meanwhile. */
    return SysFrames_adopt(self, code, current_iframe(), line);
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
    if (make_frames_exact(self, NULL, NULL, 0) < 0 || SysFrames_adopt(self, NULL, NULL, 0) < 0) {
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

int
SysDone_normal_complete(CodeRecord *record, LineSet *file_data)
{
    SysBranchMode *branch = &record->branch;
    const CodeFlow *flow = branch->flow;
    if (branch->normal_missing < flow->n_normal
        && !LineSet_HasKey(file_data, flow->normal[branch->normal_missing])) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < flow->n_normal; i++) {
        if (!LineSet_HasKey(file_data, flow->normal[i])) {
            branch->normal_missing = i;
            return 0;
        }
    }
    return 1;
}

/* Every arc of `code` is recorded (`state` FLOW_OFF), or every arc but
 * those after a caught exception (FLOW_QUIET): switch its local events off
 * and forget its frames in every thread.  What those frames (and later
 * ones) can record is recorded already, except an exception leaving them,
 * which the global PY_UNWIND event still reports, and (FLOW_QUIET) what
 * follows an exception caught in one, which the global EXCEPTION_HANDLED
 * event announces (SysDone_wake()).
 */
static int
flow_switch_off(SysMon *self, PyCodeObject *code, CodeRecord *record, int state)
{
    record->branch.state = state;
    STATS(self->stats.complete_skips++);
    SysFrames_forget(self, code);
    return SysCode_set_events(self, code, 0);
}

/* Track the running frame of `code`, in which an exception was just
 * caught: exact from `reported`, the line settrace last reported (see
 * SysDone_wake()), or from nowhere when that is not known (then a reader
 * it reaches before a writer records nothing).  With `lines_back`, every
 * line location of the code reports again first and its tracked frames
 * go exact, as when a satisfied reader is reached (SysDone_first_reach()):
 * locations whose arcs were recorded are off, and a writer those frames
 * relied on may have stopped writing.
 */
static int
track_frame(SysMon *self, PyCodeObject *code, CodeRecord *record, int reported, int lines_back)
{
    if (untracked(record)) {
        return RET_OK;      /* every missing arc is known from its location */
    }
    ThreadStack *stack = NULL;
    if (SysFrames_top(self, code, &stack) != NULL) {
        return RET_OK;
    }
    if (PyErr_Occurred()) {
        return RET_ERROR;
    }
    if (lines_back && (make_frames_exact(self, code, NULL, 0) < 0 || SysDone_lines_back_on(self, code) < 0)) {
        return RET_ERROR;
    }
    if (SysFrames_push(self, code, record->file_data, record, reported < 0 ? NO_LINE : reported) < 0) {
        return RET_ERROR;
    }
    if (reported >= 0) {
        stack->entries[stack->depth].exact = 1;
        record->branch.exact_frames++;
    }
    return RET_OK;
}

int
SysDone_wake(SysMon *self, PyCodeObject *code, CodeRecord *record, int reported)
{
    record->branch.state = FLOW_ON;
    STATS(self->stats.others++);
    /* Its local events come back on every location, and nothing of it is
     * tracked: its frames were forgotten when it turned quiet.
     */
    if (SysCode_set_events(self, code, BRANCH_EVENTS) < 0) {
        return RET_ERROR;
    }
    return track_frame(self, code, record, reported, 0);
}

int
SysDone_track_caught(SysMon *self, PyCodeObject *code, CodeRecord *record, int reported)
{
    return track_frame(self, code, record, reported, 1);
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
        return flow_switch_off(self, code, record, FLOW_OFF);
    }
    if (!record->branch.caught && SysDone_normal_complete(record, file_data)) {
        return flow_switch_off(self, code, record, FLOW_QUIET);
    }
    return RET_OK;
}

#endif /* COVCORE_HAS_SYSMON */
