/* SysCode: the decision for a code object, see syscode.h. */

#include "syscode.h"

#if COVCORE_HAS_SYSMON

#include "decide.h"
#include "sysdone.h"
#include "sysinstr.h"

/* Called directly, not through PyObject_CallMethod: it runs once per
 * measured code object, so the method lookup and the argument tuple are
 * worth saving.
 */
int
SysCode_set_events(SysMon *self, PyCodeObject *code, int events)
{
    if (self->trace_arcs && (events & EV_LINE)) {
        /* 3.14: the arcs that conditional jumps tell (see FlowBranch). */
        CodeRecord *record = code_record(self, code);
        if (record != NULL && record->branch.flow != NULL && record->branch.flow->n_branches > 0) {
            events |= EV_BRANCHES;
        }
    }
#if COVCORE_HAS_INSTR_LINES
    int helper = -1;
    if ((events & EV_LINE) && !self->lost_tool) {
        /* Long code: INSTRUCTION events stand in for LINE events (sysinstr.h). */
        CodeRecord *record = code_record(self, code);
        if (record != NULL && record->instr && SysInstr_before_events(self, code, record, &helper) < 0) {
            return RET_ERROR;
        }
        if (record != NULL && record->instr) {
            events = (events & ~EV_LINE) | EV_INSTRUCTION;
        }
    }
#endif
    PyObject *events_obj = PyLong_FromLong(events);     /* owned */
    if (events_obj == NULL) {
        return RET_ERROR;
    }
    PyObject *args[3] = {self->tool_id_obj, (PyObject *)code, events_obj};
    if (self->lost_tool) {
        Py_DECREF(events_obj);
        return RET_OK;
    }
    PyObject *res = PyObject_Vectorcall(self->set_local, args, 3, NULL);
    Py_DECREF(events_obj);
#if COVCORE_HAS_INSTR_LINES
    if (helper >= 0) {
        PyObject *exc = res == NULL ? PyErr_GetRaisedException() : NULL;
        int failed = SysInstr_after_events(self, code, helper) < 0;
        if (exc != NULL) {
            PyErr_SetRaisedException(exc);
        }
        else if (failed) {
            Py_XDECREF(res);
            return RET_ERROR;
        }
    }
#endif
    if (res == NULL) {
        /* The program may have freed our tool id: never its exception. */
        return SysMon_tool_lost(self) == 1 ? RET_OK : RET_ERROR;
    }
    Py_DECREF(res);
    return RET_OK;
}

/* Branch mode: give a measured code object its flow and its state for
 * this run.  Code running at start() stays tracked: the settrace core
 * records nothing for those frames, not even an exception leaving them.
 */
static int
decide_flow(SysMon *self, PyCodeObject *code, CodeRecord *record, int defer)
{
    SysBranchMode *branch = &record->branch;
    branch->state = FLOW_NONE;
    branch->deferred = 0;
    branch->deferred_lines = 0;
    branch->readers_done = 0;
    branch->readers_version = UINT64_MAX;
    branch->seen_version = UINT64_MAX;
    branch->missing = 0;
    branch->normal_missing = 0;
    branch->caught = 0;
    branch->exit_offset = -1;
    branch->sat_state = SAT_UNKNOWN;
    branch->any_reached = 0;
    branch->sat_version = UINT64_MAX;
    branch->sat_allowed = !(code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR | CO_ITERABLE_COROUTINE));
    branch->satisfied_off = 0;
    record->branch.exact_frames = 0;
#if COVCORE_HAS_INSTR_LINES
    if (record->instr && record->instr_lines->ambiguous) {
        return RET_OK;      /* every frame tracked, none deferred: see sysinstr.h */
    }
#endif
    int pinned = PySet_Contains(self->pinned, (PyObject *)code);
    if (pinned < 0) {
        return RET_ERROR;
    }
    if (defer && !pinned && !branch->flow_built && branch->sat_allowed) {
        /* Most code runs once (a module's body, a class's): the exact path
         * costs it no more than the model would, and the model's walk is
         * saved.  See SysCode_undefer().  (Not generators: a frame
         * suspended meanwhile would resume without its previous line.)
         */
        branch->deferred = 1;
        return RET_OK;
    }
    if (!branch->flow_built) {
        if (CodeFlow_Build(code, &branch->flow) == MODEL_FAILED) {
            return RET_ERROR;
        }
        branch->flow_built = 1;
    }
    if (branch->flow != NULL) {
        if (branch->reached == NULL) {
            branch->reached = PyMem_RawCalloc((size_t)branch->flow->n_lines + 1, 1);
            if (branch->reached == NULL) {
                PyErr_NoMemory();
                return RET_ERROR;
            }
        }
        else {
            memset(branch->reached, 0, (size_t)branch->flow->n_lines + 1);
        }
        branch->state = pinned ? FLOW_NONE : FLOW_ON;
    }
    return RET_OK;
}

int
SysCode_decide(SysMon *self, PyCodeObject *code, LineSet **file_data, CodeRecord **precord)
{
    CodeRecord *record = code_record(self, code);   /* borrowed: the code owns it */
    if (record != NULL) {
        *file_data = record->file_data;
        *precord = record;
        STATS(self->stats.cache_hits++);
        return RET_OK;
    }
    STATS(self->stats.files++);
    DecideContext ctx = {
        self->should_trace, self->should_trace_cache, self->data, self->trace_arcs,
    };
    int cache_hit = 0;
    /* The frame (for should_trace's module-name test) is only made on a miss. */
    PyObject *filename = code->co_filename;
    PyObject *frame = NULL;
    if (!PyDict_Contains(self->should_trace_cache, filename)) {
        frame = (PyObject *)PyEval_GetFrame();     /* borrowed */
    }
    PyObject *claimed = NULL;       /* owned: a plug-in's disposition */
    if (Decide_FileData(&ctx, filename, frame, file_data, &claimed, &cache_hit) < 0) {
        return RET_ERROR;
    }
    if (claimed != NULL) {
        /* A plug-in's file: its code is measured by covcore.filetracers'
         * own sys.monitoring tool, and is unmeasured here.  The frame
         * starting now (at PY_START) is the code's, or the tool sees that
         * it is not (adopting frames running at start()).
         */
        Decide_PluginAdopt(claimed, (PyObject *)code, (PyObject *)PyEval_GetFrame());
        Py_DECREF(claimed);
    }
    record = CodeRecord_Make(code);
    if (record == NULL) {
        return RET_ERROR;
    }
    record->generation = self->generation;
    record->file_data = *file_data;
    record->branch.state = FLOW_NONE;
    record->line_mode.state = (code->co_flags & CO_OPTIMIZED) ? LINES_COUNTING : LINES_ON;
    record->line_mode.starts = 0;
    record->line_mode.missing = 0;
    *precord = record;
#if COVCORE_HAS_INSTR_LINES
    record->instr = 0;
    if (*file_data != NULL && SysInstr_decide(self, code, record) < 0) {
        return RET_ERROR;
    }
#endif
    if (*file_data != NULL) {
        if (self->trace_arcs && decide_flow(self, code, record, 1) < 0) {
            return RET_ERROR;
        }
        int events = self->trace_arcs ? BRANCH_EVENTS : EV_LINE;
        /* A list, not a set: hashing a code object hashes its constants,
         * nested code objects included, and a code object comes here once
         * per run (its record says it was decided).
         */
        if (SysCode_set_events(self, code, events) < 0 || PyList_Append(self->instrumented, (PyObject *)code) < 0) {
            return RET_ERROR;
        }
    }
    return RET_OK;
}

int
SysCode_undefer(SysMon *self, PyCodeObject *code, CodeRecord *record, struct _PyInterpreterFrame *current, int line)
{
    if (decide_flow(self, code, record, 0) < 0) {
        return RET_ERROR;
    }
    SysBranchMode *branch = &record->branch;
    if (branch->state != FLOW_ON) {
        return RET_OK;      /* outside the model: the exact path for good */
    }
    /* The lines that ran before: those at either end of a recorded arc. */
    const CodeFlow *flow = branch->flow;
    for (Py_ssize_t i = 0; i < flow->n_arcs; i++) {
        uint64_t key = flow->arcs[i];
        if (!LineSet_HasKey(record->file_data, key)) {
            continue;
        }
        int ends[2] = {arc_from(key), arc_to(key)};
        for (int e = 0; e < 2; e++) {
            int index = ends[e] - flow->min_line;
            if (index >= 0 && index < flow->n_lines) {
                branch->reached[index] = 1;
                branch->any_reached = 1;
            }
        }
    }
    /* Frames that ran on the exact path know their previous line, not a
     * last written one: exact until each reaches a writer.  Or, when the
     * model needs no frames (no line reads), none has an entry any more:
     * their returns may go unseen from now on.
     */
    if (untracked(record)) {
        SysFrames_forget(self, code);
    }
    else if (SysDone_frames_exact(self, code, current, line) < 0) {
        return RET_ERROR;
    }
    return SysCode_set_events(self, code, BRANCH_EVENTS);   /* (3.14: with its branch events) */
}

#endif /* COVCORE_HAS_SYSMON */
