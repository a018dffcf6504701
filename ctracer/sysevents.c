/* SysEvents: the sys.monitoring core's event callbacks, see sysevents.h.
 *
 * Line mode needs two (PY_START and LINE, both handled inline by
 * syslines.h).  Branch mode keeps a stack of measured frames per thread
 * (sysframes.c), driven by PY_START, PY_RESUME, PY_THROW (entries),
 * PY_RETURN, PY_YIELD, PY_UNWIND (exits) and LINE; JUMP brings the one arc
 * no LINE event reports, and EXCEPTION_HANDLED the raising line a cleanup
 * location needs.  When a location or a code object has nothing left to
 * record is decided by sysdone.h.
 */

#include "sysevents.h"

#if COVCORE_HAS_SYSMON

#include "decide.h"
#include "syscode.h"
#include "sysdone.h"
#include "sysexits.h"
#include "sysframes.h"
#include "sysinstr.h"
#include "syslines.h"
#include "sigwatch.h"

/* Each callback takes the arguments sys.monitoring passes, by vectorcall. */
#define CHECK_ARGS(n) \
    if (self->lost_tool) { \
        Py_RETURN_NONE; \
    } \
    if (nargs < (n) || !PyCode_Check(args[0])) { \
        PyErr_SetString(PyExc_TypeError, "bad sys.monitoring callback arguments"); \
        return NULL; \
    }

PyObject *
SysEvents_on_py_start(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(2);
    PyCodeObject *code = (PyCodeObject *)args[0];     /* borrowed: the event's */
    LineSet *file_data = NULL;      /* borrowed: self->data keeps it */
    CodeRecord *record = NULL;      /* borrowed: the code owns it */
    STATS(self->stats.calls++);
    self->activity = 1;
    if (SysCode_decide(self, code, &file_data, &record) < 0) {
        return NULL;
    }
    if (file_data == NULL) {
        /* Unmeasured code needs no more starts. */
        return Py_NewRef(self->disable);
    }
    if (!self->trace_arcs) {
        return lines_start(self, code, record, file_data);
    }
    if (record->branch.deferred) {
        /* The second start of code whose flow was deferred: now it pays. */
        if (record->branch.deferred == 1) {
            record->branch.deferred = 2;
        }
        else if (SysCode_undefer(self, code, record, NULL, 0) < 0) {
            return NULL;
        }
    }
    if (record->branch.state == FLOW_OFF || record->branch.state == FLOW_QUIET) {
        /* Only restart_events() brings this start back: the data may have
         * been cleared since (a new context), then the code is tracked again.
         */
        if (file_data->version == record->branch.seen_version
            || (record->branch.state == FLOW_OFF ? SysDone_flow_complete(record, file_data)
                                                 : SysDone_normal_complete(record, file_data))) {
            return Py_NewRef(self->disable);
        }
        record->branch.state = FLOW_ON;
        if (SysCode_set_events(self, code, BRANCH_EVENTS) < 0) {
            return NULL;
        }
    }
    if (record->branch.state == FLOW_ON && record->branch.flow->has_readers
        && file_data->version != record->branch.readers_version) {
        /* Data was cleared since readers were complete (only restart_events()
         * brings this start back then), or arcs came in another way.
         */
        record->branch.readers_version = file_data->version;
        int done = readers_complete(record->branch.flow, file_data);
        if (done && !record->branch.readers_done) {
            SysFrames_forget(self, code);
        }
        record->branch.readers_done = done;
    }
    if (untracked(record)) {
        /* Every arc of this code still missing is known from its location alone. */
        return Py_NewRef(self->disable);
    }
    if (frames_unneeded(self, code, record, file_data)) {
        /* The same for now, but not forever: its next start may need an entry. */
        Py_RETURN_NONE;
    }
    if (SysFrames_push(self, code, file_data, record, -code->co_firstlineno) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A measured frame continues: after a yield or an await (PY_RESUME), or
 * because something was thrown into it (PY_THROW, a global event).  Either
 * way it goes on from the line it was suspended on.  A frame of modelled
 * code (a generator) gets its entry back from the suspended table.
 */
static PyObject *
resume_frame(SysMon *self, PyObject *const *args, Py_ssize_t nargs, int thrown)
{
    CHECK_ARGS(2);
    PyCodeObject *code = (PyCodeObject *)args[0];
    STATS(self->stats.calls++);
    CodeRecord *record = code_record(self, code);
    if (record == NULL || record->file_data == NULL || record->branch.state == FLOW_OFF
        || record->branch.state == FLOW_QUIET) {
        Py_RETURN_NONE;
    }
    int offset = (int)PyLong_AsLong(args[1]);
    if (offset == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (record->branch.state == FLOW_NONE) {
        if (SysFrames_push(self, code, record->file_data, record, SysInstr_Line(self, code, offset)) < 0) {
            return NULL;
        }
#if COVCORE_HAS_INSTR_LINES
        if (thrown) {
            ThreadStack *stack = SysFrames_thread(self);
            SysInstr_thrown(self, code, &stack->entries[stack->depth], offset);
        }
#endif
        Py_RETURN_NONE;
    }
    LineSet *file_data = record->file_data;
    if (!untracked(record)) {
        SysMonEntry saved;
        int found = Suspended_take(&self->suspended, current_iframe(), code, &saved);
        int stale = found && saved.stale;
        int last = !found ? NO_LINE : stale ? SysInstr_Line(self, code, offset) : saved.last_line;
        if (SysFrames_push(self, code, file_data, record, last) < 0) {
            return NULL;
        }
        if (stale) {
            /* Locations may have turned off since it went stale: turn them
             * all on again, and the frame is exact from the yield's line.
             */
            ThreadStack *stack = SysFrames_thread(self);
            stack->entries[stack->depth].exact = 1;
            record->branch.exact_frames++;
            if (SysDone_lines_back_on(self, code) < 0) {
                return NULL;
            }
        }
        Py_RETURN_NONE;
    }
    if (!thrown) {
        return Py_NewRef(self->disable);    /* untracked: nothing to do at resumptions */
    }
    Py_RETURN_NONE;
}

PyObject *
SysEvents_on_py_resume(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return resume_frame(self, args, nargs, 0);
}

PyObject *
SysEvents_on_py_throw(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return resume_frame(self, args, nargs, 1);
}

/* A frame of modelled code without an entry returns (PY_RETURN, local) or
 * an exception leaves it (PY_UNWIND): the last line settrace reported is
 * the line of the instruction it leaves at (see sysflow.h), and a
 * suspended generator being closed has no exit arc, as for settrace.
 */
static PyObject *
exit_untracked(SysMon *self, PyCodeObject *code, PyObject *offset_arg, int unwind)
{
    CodeRecord *record = code_record(self, code);
    if (record == NULL || record->file_data == NULL || record->branch.state == FLOW_NONE) {
        Py_RETURN_NONE;
    }
    int offset = (int)PyLong_AsLong(offset_arg);
    if (offset == -1 && PyErr_Occurred()) {
        return NULL;
    }
    int lasti = unwind ? SysExits_unwind_lasti(offset_arg) : offset;
    if (unwind && !Cov_IsRealReturn(code, lasti)) {
        Py_RETURN_NONE;
    }
    int final;
    int reported = SysExits_line(record->branch.flow, code, offset, lasti, &final);
    if (SysExits_add_arcs(self, code, record, record->file_data, reported, final) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A measured frame ends: with an exit arc when it really returns (or an
 * exception leaves it), without one when it only suspends at a yield.
 * `real_return` is 1, 0, or UNWIND to decide from the instruction.  A
 * suspended generator frame of modelled code keeps its entry aside.
 */
#define UNWIND 2

static PyObject *
leave_frame(SysMon *self, PyObject *const *args, Py_ssize_t nargs, int real_return)
{
    CHECK_ARGS(2);
    PyCodeObject *code = (PyCodeObject *)args[0];
    ThreadStack *stack = NULL;
    STATS(self->stats.returns++);
    SysMonEntry *top = SysFrames_top(self, code, &stack);
    if (top == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        if (real_return == UNWIND) {
            return exit_untracked(self, code, args[1], 1);
        }
        if (real_return) {
            /* A return location brings one arc: once is enough. */
            PyObject *res = exit_untracked(self, code, args[1], 0);
            if (res == NULL) {
                return NULL;
            }
            Py_DECREF(res);
        }
        CodeRecord *record = code_record(self, code);
        if (record != NULL && record->file_data != NULL && record->branch.state != FLOW_NONE
            && (untracked(record) || frames_unneeded(self, code, record, record->file_data))) {
            /* (SysDone_track_again() turns the location back on.) */
            return Py_NewRef(self->disable);
        }
        Py_RETURN_NONE;
    }
    int lasti = -1;
    if (real_return == UNWIND) {
        /* An exception leaving the frame: settrace sees a return event at
         * the same instruction, and takes a suspended generator being
         * closed for a yield.  Decide the same way.
         */
        lasti = SysExits_unwind_lasti(args[1]);
        if (lasti == -1 && PyErr_Occurred()) {
            return NULL;
        }
        real_return = Cov_IsRealReturn(code, lasti);
    }
    SysMonEntry entry = *top;
    stack->depth--;
    if (!real_return && lasti < 0 && entry.record->branch.state == FLOW_ON) {
        /* Suspended at a yield: the entry waits for the frame to resume
         * (an exact frame resumes exact).
         */
        if (entry.exact) {
            entry.record->branch.exact_frames--;
            entry.exact = 0;
            entry.stale = 1;
        }
        if (Suspended_put(&self->suspended, &entry) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (entry.exact) {
        entry.record->branch.exact_frames--;
    }
    if (real_return) {
        int offset = (int)PyLong_AsLong(args[1]);
        if (offset == -1 && PyErr_Occurred()) {
            return NULL;
        }
        SysBranchMode *branch = &entry.record->branch;
        if (branch->state == FLOW_ON) {
            /* Modelled code may have line events switched off: its last
             * line is the line of the instruction it leaves at (see
             * sysflow.h).  A return (not an unwind) depends on its offset
             * only: the arcs of the location last seen are known to be
             * recorded while the file's data has not changed since.
             */
            if (lasti < 0 && offset == branch->exit_offset && entry.file_data->version == branch->exit_version) {
                Py_RETURN_NONE;
            }
            int final;
            int reported = SysExits_line(branch->flow, code, offset, lasti >= 0 ? lasti : offset, &final);
            if (SysExits_add_arcs(self, code, entry.record, entry.file_data, reported, final) < 0) {
                return NULL;
            }
            if (lasti < 0) {
                branch->exit_offset = offset;
                branch->exit_version = entry.file_data->version;
            }
            Py_RETURN_NONE;
        }
        if (COVCORE_RETURN_LINE_UNREPORTED) {
            /* The frame may leave from a line it was not reported on (see
             * util.h): settrace sees that line at the return event.
             */
            int line = SysInstr_Line(self, code, lasti >= 0 ? lasti : offset);
            if (line >= 0 && line != entry.last_line) {
                if (LineSet_AddKey(entry.file_data, LineSet_ArcKey(entry.last_line, line)) < 0) {
                    return NULL;
                }
                entry.last_line = line;
            }
        }
        if (LineSet_AddKey(entry.file_data, LineSet_ArcKey(entry.last_line, -code->co_firstlineno)) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

PyObject *
SysEvents_on_py_return(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_frame(self, args, nargs, 1);
}

PyObject *
SysEvents_on_py_yield(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_frame(self, args, nargs, 0);
}

PyObject *
SysEvents_on_py_unwind(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_frame(self, args, nargs, UNWIND);
}

/* An exception is caught in a frame: remember the line that raised it when
 * the code has a cleanup location other lines can raise into.  The
 * handler's first instructions have no line, so the cleanup's line event
 * follows the raising line, and nothing in between tells which one it was
 * (see sysflow.c).  The frame does, now: its last instruction is still the
 * one that raised (or re-raised, or called what raised).  Code that turned
 * quiet (FLOW_QUIET) is woken: what follows a handler is not recorded yet.
 */
PyObject *
SysEvents_on_exception_handled(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3);
    PyCodeObject *code = (PyCodeObject *)args[0];
    CodeRecord *record = code_record(self, code);
    struct _PyInterpreterFrame *iframe = current_iframe();
    if (record == NULL || record->branch.flow == NULL || iframe == NULL) {
        Py_RETURN_NONE;
    }
    int lasti = PyUnstable_InterpreterFrame_GetLasti(iframe);
    if (record->branch.flow->raise_lines != NULL) {
        int line = SysInstr_Line(self, code, lasti);
        int slot = self->raised_next;
        self->raised[slot].iframe = iframe;
        self->raised[slot].line = line < 0 ? NO_LINE : line;
        self->raised_next = (slot + 1) % SYSMON_RAISED;
    }
    if (record->file_data == NULL) {
        Py_RETURN_NONE;
    }
    int state = record->branch.state, was_caught = record->branch.caught;
    record->branch.caught = 1;
    if (state == FLOW_QUIET || (state == FLOW_ON && was_caught)) {
        int final;
        int reported = SysExits_line(record->branch.flow, code, lasti, lasti, &final);
        if ((state == FLOW_QUIET ? SysDone_wake(self, code, record, reported)
                                 : SysDone_track_caught(self, code, record, reported)) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

/* A line event in a frame of modelled code that has no entry: the line
 * alone tells its arc, unless the line reads (then its arcs are all
 * recorded, or the frame ran across a clear of the data: nothing is known).
 */
static int
visit_untracked(SysMon *self, PyCodeObject *code, int line, int same_line, int *disable)
{
    CodeRecord *record = code_record(self, code);
    if (record == NULL || record->file_data == NULL || record->branch.state != FLOW_ON) {
        return RET_OK;
    }
    const FlowLine *info = CodeFlow_Line(record->branch.flow, line);
    if (info == NULL && !same_line) {
        return RET_OK;
    }
    LineSet *file_data = record->file_data;
    const FlowCleanup *cleanup = info != NULL && info->has_cleanup ? at_cleanup(record->branch.flow) : NULL;
    uint64_t key = 0, only = 0;
    if (cleanup != NULL) {
        key = cleanup_arc(self, cleanup, line);
    }
    else if (same_line || !info->reads || reader_need(record, info, file_data, &only) == ONE) {
        key = same_line ? LineSet_ArcKey(line, line) : info->reads ? only : info->unique;
    }
    if (key != 0) {
        uint64_t version = file_data->version;
        if (LineSet_AddKey(file_data, key) < 0
            || flow_after_arc(self, code, record, file_data, key, version) < 0) {
            return RET_ERROR;
        }
    }
    if (record->branch.state != FLOW_ON) {
        *disable = record->branch.state == FLOW_OFF || record->branch.state == FLOW_QUIET;
        return RET_OK;
    }
    if (info != NULL && line_reached(self, code, record, line, info, NULL) < 0) {
        return RET_ERROR;
    }
    *disable = same_line || location_done(record, info, file_data, cleanup, line);
    return RET_OK;
}

/* Branch mode: the innermost frame of `code` in this thread arrives at
 * `line`: record the arc from its previous line.  Frames that were running
 * before start() have no entry and are left alone.  `same_line` is set for
 * a backward jump within the line.  *disable is set when this location
 * will never again bring anything (see location_done()).
 */
int
SysEvents_visit_line(SysMon *self, PyCodeObject *code, int line, int same_line, int *disable)
{
    ThreadStack *stack = NULL;
    *disable = 0;
    SysMonEntry *top = SysFrames_top(self, code, &stack);
    if (top == NULL) {
        return PyErr_Occurred() ? RET_ERROR : visit_untracked(self, code, line, same_line, disable);
    }
    CodeRecord *record = top->record;
    LineSet *file_data = top->file_data;
    const FlowLine *info = NULL;
    uint64_t key = LineSet_ArcKey(same_line ? line : top->last_line, line);
    int have_key = 1;
    int need;
    if (record->branch.state == FLOW_ON) {
        info = CodeFlow_Line(record->branch.flow, line);
    }
    const FlowCleanup *cleanup = info != NULL && !same_line && info->has_cleanup ? at_cleanup(record->branch.flow) : NULL;
    if (cleanup != NULL) {
        /* A cleanup handler: its arc comes from the line that raised (see
         * sysflow.c).
         */
        key = cleanup_arc(self, cleanup, line);
        have_key = key != 0;
    }
    else if (info != NULL && !same_line && !top->exact) {
        /* Modelled code: `last_line` is the last *written* line (see
         * sysflow.c), which tells a reading line its arc when it needs to
         * (see reader_need()).
         */
        if (!info->reads) {
            key = info->unique;
            if (info->in_count == 0) {
                /* Only cleanup locations come into this line. */
                if (SysDone_misfit(self, record) < 0) {
                    return RET_ERROR;
                }
                info = NULL;
                key = LineSet_ArcKey(top->last_line, line);
            }
        }
        else if ((need = reader_need(record, info, file_data, &key)) == SATISFIED
                 || (need == DECODE && top->last_line == NO_LINE)) {
            have_key = 0;
        }
        else if (need == DECODE) {
            const FlowDecode *decode = &record->branch.flow->decode[info->decode_start];
            Py_ssize_t i = 0;
            while (i < info->decode_count && decode[i].written != top->last_line) {
                i++;
            }
            if (i == info->decode_count) {
                if (SysDone_misfit(self, record) < 0) {
                    return RET_ERROR;
                }
                info = NULL;
                key = LineSet_ArcKey(top->last_line, line);
            }
            else {
                key = decode[i].key;
            }
        }
    }
    if (info == NULL || info->writes || top->exact || cleanup != NULL) {
        top->last_line = line;
        if (top->exact && info != NULL && (info->writes || cleanup != NULL)) {
            /* Writers that serve readers still missing arcs kept reporting
             * since the frame became exact: the model holds again.
             */
            top->exact = 0;
            record->branch.exact_frames--;
        }
    }
    if (have_key) {
        uint64_t version = file_data->version;
        if (LineSet_AddKey(file_data, key) < 0) {
            return RET_ERROR;
        }
        /* (This may drop `top` from the stack.) */
        if (flow_after_arc(self, code, record, file_data, key, version) < 0) {
            return RET_ERROR;
        }
        top = NULL;
        if (record->branch.deferred && ++record->branch.deferred_lines >= DEFER_LINES) {
            /* A long first run (a loop): the model pays for itself. */
            return SysCode_undefer(self, code, record, current_iframe(), line);
        }
        if (info == NULL || record->branch.state == FLOW_NONE) {
            return RET_OK;
        }
        if (record->branch.state == FLOW_OFF || record->branch.state == FLOW_QUIET) {
            *disable = 1;
            return RET_OK;
        }
        if (info->reads && file_data->version != version && !record->branch.readers_done
            && readers_complete(record->branch.flow, file_data)) {
            record->branch.readers_done = 1;
            SysFrames_forget(self, code);
        }
        else {
            top = SysFrames_top(self, code, &stack);
        }
    }
    if (info == NULL) {
        return RET_OK;
    }
    if (line_reached(self, code, record, line, info, top) < 0) {
        return RET_ERROR;
    }
    *disable = location_done(record, info, file_data, cleanup, line);
    return RET_OK;
}

PyObject *
SysEvents_on_line(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(2);
    PyCodeObject *code = (PyCodeObject *)args[0];
    int line = (int)PyLong_AsLong(args[1]);
    if (line == -1 && PyErr_Occurred()) {
        return NULL;
    }
    STATS(self->stats.lines++);
    self->activity = 1;
    PyObject *result;       /* owned */
    if (!self->trace_arcs) {
        result = lines_line(self, code, line);
    }
    else {
        int disable = 0;
        if (SysEvents_visit_line(self, code, line, 0, &disable) < 0) {
            return NULL;
        }
        result = Py_NewRef(disable ? self->disable : Py_None);
    }
    if (result != NULL && Sigwatch_poll() < 0) {
        Py_CLEAR(result);
    }
    return result;
}

/* A backward jump that stays on one line (a loop written on one line) is a
 * new visit of that line for settrace, so it is an arc (line, line) here
 * too.  Every other jump is seen through the LINE event it leads to.
 */
PyObject *
SysEvents_on_jump(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3);
    PyCodeObject *code = (PyCodeObject *)args[0];
    int from = (int)PyLong_AsLong(args[1]);
    int to = (int)PyLong_AsLong(args[2]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (to < from) {
        int line = SysInstr_Line(self, code, to);
        int disable = 0;
        if (line == SysInstr_Line(self, code, from) && SysEvents_visit_line(self, code, line, 1, &disable) < 0) {
            return NULL;
        }
    }
    return Py_NewRef(self->disable);
}

#if COVCORE_HAS_BRANCH_EVENTS

/* 3.14: a direction of a conditional jump was taken.  When the model names
 * the arc it brings (see FlowBranch), record it: the line event that would
 * tell it need not fire, so the readers it goes into can turn off.  Either
 * way the event has nothing more to tell at this location.
 */
static PyObject *
branch_taken(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3);
    PyCodeObject *code = (PyCodeObject *)args[0];
    CodeRecord *record = code_record(self, code);
    self->activity = 1;
    if (record == NULL || record->file_data == NULL || record->branch.flow == NULL
        || record->branch.state == FLOW_NONE) {
        return Py_NewRef(self->disable);
    }
    int offset = (int)PyLong_AsLong(args[1]);
    int dest = (int)PyLong_AsLong(args[2]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    uint64_t key = CodeFlow_BranchArc(record->branch.flow, offset, dest);
    if (key != 0) {
        LineSet *file_data = record->file_data;
        uint64_t version = file_data->version;
        if (LineSet_AddKey(file_data, key) < 0 || flow_after_arc(self, code, record, file_data, key, version) < 0) {
            return NULL;
        }
    }
    return Py_NewRef(self->disable);
}

PyObject *
SysEvents_on_branch_left(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return branch_taken(self, args, nargs);
}

PyObject *
SysEvents_on_branch_right(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return branch_taken(self, args, nargs);
}

#endif

#endif /* COVCORE_HAS_SYSMON */
