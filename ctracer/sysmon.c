/* SysMon: the sys.monitoring core, for Python 3.12 and later.
 *
 * Line mode: PY_START decides once per code object whether it is measured;
 * measured code gets local LINE events, and each LINE callback records its
 * line and returns DISABLE, so every line location costs one callback, once.
 * Unmeasured code gets no local events, and its PY_START is disabled too.
 *
 * Branch mode: arcs need to know which line a frame was on before, so the
 * core keeps a stack of measured frames per thread, driven by PY_START,
 * PY_RESUME, PY_THROW (entries), PY_RETURN, PY_YIELD, PY_UNWIND (exits) and
 * LINE.  The arcs are exactly those of the settrace core: a backward jump
 * within one line (JUMP event) counts as a new visit of the line, as
 * CPython's settrace emulation reports it.  For code the flow model of
 * sysflow.c covers, line locations whose arcs are all recorded return
 * DISABLE unless a later line needs to know the frame was there, and code
 * whose arcs are all recorded gets no local events at all.  See
 * docs/architecture.md.
 */

#include "sysmon.h"
#include <structmember.h>

#if COVCORE_HAS_SYSMON

#include "codelines.h"
#include "decide.h"
#include "sysflow.h"
#include "sysframes.h"

/* Event numbers of sys.monitoring.events (fixed by PEP 669). */
enum {
    EV_PY_START = 1 << 0,
    EV_PY_RESUME = 1 << 1,
    EV_PY_RETURN = 1 << 2,
    EV_PY_YIELD = 1 << 3,
    EV_LINE = 1 << 5,
    EV_JUMP = 1 << 7,
    EV_EXCEPTION_HANDLED = 1 << 11,
    EV_PY_UNWIND = 1 << 12,
    EV_PY_THROW = 1 << 13,
};

/* Line mode: where a measured code object stands.  A LINE event returns
 * DISABLE, but CPython also instruments jump targets as line starts, and
 * reports one only when it is reached from another line: a target reached
 * from its own line (the loop of an `await` or a comprehension, the second
 * half of a conditional expression) never reports, so it is never disabled
 * and costs a check each time it runs.  A code object whose lines are all
 * recorded gets its local events switched off, which removes those too.
 * Finding that out costs the code's line table, so it is done only for
 * functions (a module or class body runs once) that start HOT_STARTS times.
 */
enum {
    LINES_COUNTING,     /* PY_START stays on until the code is found hot */
    LINES_WATCHED,      /* hot: each new line of it checks for completeness */
    LINES_OFF,          /* every line recorded: no local events */
    LINES_ON,           /* not worth watching: LINE events until stop() */
};
#define HOT_STARTS 8

static Py_ssize_t code_extra_index = -1;
static uint64_t next_generation = 1;

static void
free_code_record(void *record)
{
    if (record != NULL) {
        CodeFlow_Free(((CodeRecord *)record)->flow);
        PyMem_RawFree(((CodeRecord *)record)->reached);
    }
    PyMem_RawFree(record);
}

int
SysMon_init_module(void)
{
    code_extra_index = PyUnstable_Eval_RequestCodeExtraIndex(free_code_record);
    return code_extra_index < 0 ? RET_ERROR : RET_OK;
}

/* The flow model (sysflow.c) reads its opcode tables from the opcode module
 * on first use, not at import: line mode never needs them, and importing
 * opcode costs every measured process most of a millisecond.  Called where
 * branch mode begins (start()), outside any sys.monitoring callback, and
 * before every CodeFlow_New().
 */
static int
ready_flow_model(void)
{
    static int ready = 0;
    if (!ready) {
        if (SysFlow_init_module() < 0) {
            return RET_ERROR;
        }
        ready = 1;
    }
    return RET_OK;
}

/*
 * Per-code decisions.
 */

static CodeRecord *
code_record(SysMon *self, PyCodeObject *code)
{
    void *record = NULL;
    if (PyUnstable_Code_GetExtra((PyObject *)code, code_extra_index, &record) < 0) {
        PyErr_Clear();
        return NULL;
    }
    if (record != NULL && ((CodeRecord *)record)->generation == self->generation) {
        return (CodeRecord *)record;
    }
    return NULL;
}

/* sys.monitoring.set_local_events(tool_id, code, events), called directly:
 * it runs once per measured code object, so the method lookup and the
 * argument tuple of a PyObject_CallMethod are worth saving.
 */
static int
set_local_events(SysMon *self, PyCodeObject *code, int events)
{
    PyObject *events_obj = PyLong_FromLong(events);     /* owned */
    if (events_obj == NULL) {
        return RET_ERROR;
    }
    PyObject *args[3] = {self->tool_id_obj, (PyObject *)code, events_obj};
    PyObject *res = PyObject_Vectorcall(self->set_local, args, 3, NULL);
    Py_DECREF(events_obj);
    if (res == NULL) {
        return RET_ERROR;
    }
    Py_DECREF(res);
    return RET_OK;
}

#define BRANCH_EVENTS (EV_LINE | EV_JUMP | EV_PY_RESUME | EV_PY_RETURN | EV_PY_YIELD)

/* Branch mode: give a measured code object its flow and its state for
 * this run.  Code running at start() stays tracked: the settrace core
 * records nothing for those frames, not even an exception leaving them.
 */
static int
decide_flow(SysMon *self, PyCodeObject *code, CodeRecord *record)
{
    record->state = FLOW_NONE;
    record->readers_done = 0;
    record->readers_version = UINT64_MAX;
    record->seen_version = UINT64_MAX;
    record->missing = 0;
    if (!record->flow_built) {
        if (ready_flow_model() < 0) {
            return RET_ERROR;
        }
        record->flow = CodeFlow_New(code);
        if (record->flow == NULL && PyErr_Occurred()) {
            return RET_ERROR;
        }
        record->flow_built = 1;
    }
    record->satisfied_off = 0;
    record->exact_frames = 0;
    if (record->flow != NULL) {
        if (record->reached == NULL) {
            record->reached = PyMem_RawCalloc((size_t)record->flow->n_lines + 1, 1);
            if (record->reached == NULL) {
                PyErr_NoMemory();
                return RET_ERROR;
            }
        }
        else {
            memset(record->reached, 0, (size_t)record->flow->n_lines + 1);
        }
        int pinned = PySet_Contains(self->pinned, (PyObject *)code);
        if (pinned < 0) {
            return RET_ERROR;
        }
        record->state = pinned ? FLOW_NONE : FLOW_ON;
    }
    return RET_OK;
}

/* Decide whether `code` is measured (once per run), and give measured code
 * its local events.  *file_data is NULL for unmeasured code.
 */
static int
decide_code(SysMon *self, PyCodeObject *code, LineSet **file_data, CodeRecord **precord)
{
    CodeRecord *record = code_record(self, code);
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
    if (Decide_FileData(&ctx, filename, frame, file_data, &cache_hit) < 0) {
        return RET_ERROR;
    }
    void *old = NULL;
    if (PyUnstable_Code_GetExtra((PyObject *)code, code_extra_index, &old) < 0) {
        return RET_ERROR;
    }
    record = old ? (CodeRecord *)old : PyMem_RawCalloc(1, sizeof(CodeRecord));
    if (record == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    record->generation = self->generation;
    record->file_data = *file_data;
    record->state = FLOW_NONE;
    record->line_state = (code->co_flags & CO_OPTIMIZED) ? LINES_COUNTING : LINES_ON;
    record->starts = 0;
    if (old == NULL && PyUnstable_Code_SetExtra((PyObject *)code, code_extra_index, record) < 0) {
        PyMem_RawFree(record);
        return RET_ERROR;
    }
    *precord = record;
    if (*file_data != NULL) {
        if (self->trace_arcs && decide_flow(self, code, record) < 0) {
            return RET_ERROR;
        }
        int events = self->trace_arcs ? BRANCH_EVENTS : EV_LINE;
        /* A list, not a set: hashing a code object hashes its constants,
         * nested code objects included, and a code object comes here once
         * per run (its record says it was decided).
         */
        if (set_local_events(self, code, events) < 0 || PyList_Append(self->instrumented, (PyObject *)code) < 0) {
            return RET_ERROR;
        }
    }
    return RET_OK;
}

/*
 * Switching a code object's events off once its arcs are all recorded.
 */

/* Has every arc into the line been recorded?  1 or 0. */
static int
line_complete(const CodeFlow *flow, const FlowLine *info, LineSet *file_data)
{
    for (Py_ssize_t i = 0; i < info->in_count; i++) {
        if (!LineSet_HasKey(file_data, flow->in_arcs[info->in_start + i])) {
            return 0;
        }
    }
    return 1;
}

/* Are the arcs into every reading line recorded?  Then no line needs to
 * know where a frame was before: frames need no tracking.  1 or 0.
 */
static int
readers_complete(const CodeFlow *flow, LineSet *file_data)
{
    for (int l = 0; l < flow->n_lines; l++) {
        const FlowLine *info = &flow->line_info[l];
        if (info->reads && !line_complete(flow, info, file_data)) {
            return 0;
        }
    }
    return 1;
}

/* What a reading line needs now.  Only arcs from lines that have run (or
 * from the entry) can bring a frame to it:
 *   SATISFIED: all of those are recorded, so a frame arriving records
 *              nothing (the line needs no event until another line runs,
 *              see line_reached());
 *   ONE:       only one can, not recorded yet (*only): no last written line
 *              is needed to tell it;
 *   DECODE:    the frame's last written line tells which.
 */
enum { SATISFIED, ONE, DECODE };

static int
reader_need(const CodeRecord *record, const FlowLine *info, LineSet *file_data, uint64_t *only)
{
    const CodeFlow *flow = record->flow;
    int possible = 0, missing = 0;
    for (Py_ssize_t i = 0; i < info->in_count; i++) {
        uint64_t key = flow->in_arcs[info->in_start + i];
        int from = (int)(int32_t)(uint32_t)(key >> 32);
        int index = from - flow->min_line;
        if (index >= 0 && index < flow->n_lines && !record->reached[index]) {
            continue;
        }
        possible++;
        if (!LineSet_HasKey(file_data, key)) {
            missing++;
            *only = key;
        }
    }
    return missing == 0 ? SATISFIED : possible == 1 ? ONE : DECODE;
}

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
            if (code != NULL ? entry->code != code : entry->record->state != FLOW_ON) {
                continue;
            }
            entry->last_line = entry->iframe == current_frame ? line
                               : PyUnstable_InterpreterFrame_GetLine(entry->iframe);
            if (!entry->exact) {
                entry->exact = 1;
                entry->record->exact_frames++;
            }
        }
    }
    SysFrames_make_suspended_stale(self, code);
    return RET_OK;
}

/* Turn every line location of `code` back on (each turns off again at its
 * next event): local LINE events off, then on.
 */
static int
lines_back_on(SysMon *self, PyCodeObject *code)
{
    if (set_local_events(self, code, BRANCH_EVENTS & ~EV_LINE) < 0) {
        return RET_ERROR;
    }
    return set_local_events(self, code, BRANCH_EVENTS);
}

/* A frame of modelled code has arrived at `line` (`info`), whose own arc
 * is recorded.  The first time, a reader that was satisfied because this
 * line had never run may not be any more, and locations turned off then
 * (the reader, writers that served only satisfied readers) must report
 * again: every line location of the code is turned back on (each turns
 * off again at its next event).  A running frame's last written line may
 * be stale meanwhile, so every tracked frame of the code becomes exact:
 * its previous line is the line its frame is on now, and each of its line
 * events reports until it ends.
 */
static int
line_reached(SysMon *self, PyCodeObject *code, CodeRecord *record, int line, const FlowLine *info,
             SysMonEntry *current)
{
    unsigned char *reached = &record->reached[line - record->flow->min_line];
    if (*reached) {
        return RET_OK;
    }
    *reached = 1;
    if (!info->feeds_reader || record->satisfied_off == 0) {
        return RET_OK;
    }
    record->satisfied_off = 0;
    STATS(self->stats.others++);
    if (make_frames_exact(self, code, current != NULL ? current->iframe : NULL, line) < 0) {
        return RET_ERROR;
    }
    return lines_back_on(self, code);
}

static int cleanup_done(const CodeFlow *flow, const FlowCleanup *cleanup, LineSet *file_data, int line);

/* Will a line event at this location of modelled code never bring
 * anything again?  Its own arcs are recorded (or it is a satisfied
 * reader), and if it writes, no reader that reads what it writes needs it
 * now (see reader_need()).  Never while a frame of the code is exact.
 * `cleanup`: the location is a cleanup handler's on `line` (or NULL).
 * 1 or 0.
 */
static int
location_done(CodeRecord *record, const FlowLine *info, LineSet *file_data, const FlowCleanup *cleanup, int line)
{
    const CodeFlow *flow = record->flow;
    if (record->exact_frames > 0) {
        return 0;
    }
    int partial = 0;
    uint64_t only;
    if (cleanup != NULL) {
        if (!cleanup_done(flow, cleanup, file_data, line)) {
            return 0;
        }
    }
    else if (!line_complete(flow, info, file_data)) {
        if (!info->reads || reader_need(record, info, file_data, &only) != SATISFIED) {
            return 0;
        }
        partial = 1;
    }
    for (Py_ssize_t i = 0; (info->writes || cleanup != NULL) && i < info->served_count; i++) {
        const FlowLine *reader = &flow->line_info[flow->served[info->served_start + i]];
        if (!line_complete(flow, reader, file_data)) {
            if (reader_need(record, reader, file_data, &only) == DECODE) {
                return 0;
            }
            partial = 1;
        }
    }
    record->satisfied_off += partial;
    return 1;
}

/* The running branch-mode core, told when recorded data is cleared. */
static SysMon *clearing_sysmon = NULL;

/* Recorded data was cleared (a new context, data saved while running):
 * the locations whose events were turned off must report again, and a
 * frame's last written line may be stale, since a writer stops writing
 * once its readers are complete.  Every tracked frame of modelled code
 * becomes exact from the line it is on (see line_reached()).
 */
static int
data_cleared(void)
{
    SysMon *self = clearing_sysmon;
    if (self == NULL || !self->started) {
        return RET_OK;
    }
    if (make_frames_exact(self, NULL, NULL, 0) < 0) {
        return RET_ERROR;
    }
    PyObject *res = PyObject_CallMethod(self->monitoring, "restart_events", NULL);
    Py_XDECREF(res);
    return res == NULL ? RET_ERROR : RET_OK;
}

/* Is every arc of the code's flow in `file_data`?  A missing arc found
 * earlier is looked at first: it is usually still missing.  (The whole
 * list is read otherwise: the collector may have cleared the data.)
 */
static int
flow_complete(CodeRecord *record, LineSet *file_data)
{
    const CodeFlow *flow = record->flow;
    record->seen_version = file_data->version;
    if (record->missing < flow->n_arcs && !LineSet_HasKey(file_data, flow->arcs[record->missing])) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < flow->n_arcs; i++) {
        if (!LineSet_HasKey(file_data, flow->arcs[i])) {
            record->missing = i;
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
    record->state = FLOW_OFF;
    STATS(self->stats.complete_skips++);
    SysFrames_forget(self, code);
    return set_local_events(self, code, 0);
}

/* The model does not fit this code (an arc outside it, a last written
 * line no reader expects): it goes back to the exact path for the rest of
 * the run, and the locations it switched off must report again.
 */
static int
flow_misfit(SysMon *self, CodeRecord *record)
{
    record->state = FLOW_NONE;
    self->misfits++;
    PyObject *res = PyObject_CallMethod(self->monitoring, "restart_events", NULL);
    Py_XDECREF(res);
    return res == NULL ? RET_ERROR : RET_OK;
}

/* An arc `key` of a tracked frame of `code` was just added to `file_data`
 * (`version_before` is the set's version before): switch the code off if
 * that completed its flow.  An arc outside the flow means the model does
 * not fit this code: it stays on the exact path for the rest of the run.
 */
static int
flow_after_arc(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data,
               uint64_t key, uint64_t version_before)
{
    if (record->state != FLOW_ON || file_data->version == record->seen_version) {
        return RET_OK;
    }
    if (file_data->version != version_before && !CodeFlow_HasArc(record->flow, key)
        && (int32_t)(uint32_t)key != -code->co_firstlineno) {
        return flow_misfit(self, record);
    }
    if (flow_complete(record, file_data)) {
        return flow_switch_off(self, code, record);
    }
    return RET_OK;
}

/* Are frames of this code left untracked?  Code that is off, and modelled
 * code in which no line reads the previous one: every arc it records is
 * then known from where the event happens (see docs/architecture.md).
 */
static inline int
untracked(const CodeRecord *record)
{
    return record->state == FLOW_OFF
           || (record->state == FLOW_ON && (!record->flow->has_readers || record->readers_done));
}

/*
 * Line mode: switching a code object's events off once its lines are all
 * recorded (see LINES_*).
 */

/* Switch `code`'s LINE events off if every line of it is recorded, or back
 * on if the data lost some (the collector cleared it).
 */
static int
lines_check(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data)
{
    int complete = CodeLines_Complete(code, file_data);
    if (complete < 0) {
        return RET_ERROR;
    }
    if (complete && record->line_state != LINES_OFF) {
        record->line_state = LINES_OFF;
        STATS(self->stats.complete_skips++);
        return set_local_events(self, code, 0);
    }
    if (!complete && record->line_state == LINES_OFF) {
        record->line_state = LINES_WATCHED;
        return set_local_events(self, code, EV_LINE);
    }
    return RET_OK;
}

/* A measured code object starts, in line mode: its first start (the
 * decision), the next ones while it is counted, or any after
 * restart_events(), which brings back the PY_START events disabled so far.
 */
static PyObject *
lines_start(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data)
{
    if (self->lines_kept) {
        record->line_state = LINES_ON;
    }
    if (record->line_state == LINES_COUNTING) {
        if (++record->starts < HOT_STARTS) {
            Py_RETURN_NONE;
        }
        record->line_state = LINES_WATCHED;
    }
    if (record->line_state != LINES_ON && lines_check(self, code, record, file_data) < 0) {
        return NULL;
    }
    return Py_NewRef(self->disable);
}

/*
 * Callbacks.  Each takes the arguments sys.monitoring passes, by vectorcall.
 */

#define CHECK_ARGS(n) \
    if (nargs < (n) || !PyCode_Check(args[0])) { \
        PyErr_SetString(PyExc_TypeError, "bad sys.monitoring callback arguments"); \
        return NULL; \
    }

static PyObject *
on_py_start(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(2);
    PyCodeObject *code = (PyCodeObject *)args[0];
    LineSet *file_data = NULL;
    CodeRecord *record = NULL;
    STATS(self->stats.calls++);
    self->activity = 1;
    if (decide_code(self, code, &file_data, &record) < 0) {
        return NULL;
    }
    if (file_data == NULL) {
        /* Unmeasured code needs no more starts. */
        return Py_NewRef(self->disable);
    }
    if (!self->trace_arcs) {
        return lines_start(self, code, record, file_data);
    }
    if (record->state == FLOW_OFF) {
        /* Only restart_events() brings this start back: the data may have
         * been cleared since (a new context), then the code is tracked again.
         */
        if (file_data->version == record->seen_version || flow_complete(record, file_data)) {
            return Py_NewRef(self->disable);
        }
        record->state = FLOW_ON;
        if (set_local_events(self, code, BRANCH_EVENTS) < 0) {
            return NULL;
        }
    }
    if (record->state == FLOW_ON && record->flow->has_readers
        && file_data->version != record->readers_version) {
        /* Data was cleared since readers were complete (only restart_events()
         * brings this start back then), or arcs came in another way.
         */
        record->readers_version = file_data->version;
        int done = readers_complete(record->flow, file_data);
        if (done && !record->readers_done) {
            SysFrames_forget(self, code);
        }
        record->readers_done = done;
    }
    if (untracked(record)) {
        /* Every arc of this code still missing is known from its location alone. */
        return Py_NewRef(self->disable);
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
    if (record == NULL || record->file_data == NULL || record->state == FLOW_OFF) {
        Py_RETURN_NONE;
    }
    int offset = (int)PyLong_AsLong(args[1]);
    if (offset == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (record->state == FLOW_NONE) {
        if (SysFrames_push(self, code, record->file_data, record, PyCode_Addr2Line(code, offset)) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    LineSet *file_data = record->file_data;
    if (!untracked(record)) {
        SysMonEntry saved;
        int found = Suspended_take(&self->suspended, current_iframe(), code, &saved);
        int stale = found && saved.stale;
        int last = !found ? NO_LINE : stale ? PyCode_Addr2Line(code, offset) : saved.last_line;
        if (SysFrames_push(self, code, file_data, record, last) < 0) {
            return NULL;
        }
        if (stale) {
            /* Locations may have turned off since it went stale: turn them
             * all on again, and the frame is exact from the yield's line.
             */
            ThreadStack *stack = SysFrames_thread(self);
            stack->entries[stack->depth].exact = 1;
            record->exact_frames++;
            if (lines_back_on(self, code) < 0) {
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

static PyObject *
on_py_resume(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return resume_frame(self, args, nargs, 0);
}

static PyObject *
on_py_throw(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return resume_frame(self, args, nargs, 1);
}

/* Where a frame leaving by an exception (PY_UNWIND) is: its own last
 * instruction, not the callback's offset.  An exception passing through a
 * generator's own handler restores it; and when a suspended generator is
 * closed, 3.12 reports the unwind at that handler while the frame (and
 * settrace) is still at the yield.
 */
static int
unwind_lasti(PyObject *offset_arg)
{
    struct _PyInterpreterFrame *iframe = current_iframe();
    return iframe != NULL ? PyUnstable_InterpreterFrame_GetLasti(iframe) : (int)PyLong_AsLong(offset_arg);
}

/* The line a frame of modelled code was last reported on when it leaves
 * from the instruction at `offset` (the event's): that instruction's line,
 * or for one without a line (a handler re-raising), what the flow knows
 * (see CodeFlow.exit_lines): one line, or the line of the frame's last
 * instruction `lasti`.
 */
static int
exit_line(const CodeFlow *flow, PyCodeObject *code, int offset, int lasti)
{
    Py_ssize_t unit = offset / 2;
    if (unit <= flow->resume_unit || unit >= flow->n_units || flow->lines[unit] >= 0) {
        return CodeFlow_LineAt(flow, code, offset);
    }
    int line = flow->exit_lines[unit];
    return line != CODEFLOW_LASTI ? line : CodeFlow_LineAt(flow, code, lasti);
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
    if (record == NULL || record->file_data == NULL || record->state == FLOW_NONE) {
        Py_RETURN_NONE;
    }
    int offset = (int)PyLong_AsLong(offset_arg);
    if (offset == -1 && PyErr_Occurred()) {
        return NULL;
    }
    int lasti = unwind ? unwind_lasti(offset_arg) : offset;
    if (unwind && !Cov_IsRealReturn(code, lasti)) {
        Py_RETURN_NONE;
    }
    int line = exit_line(record->flow, code, offset, lasti);
    uint64_t key = LineSet_ArcKey(line, -code->co_firstlineno);
    uint64_t version = record->file_data->version;
    if (LineSet_AddKey(record->file_data, key) < 0
        || flow_after_arc(self, code, record, record->file_data, key, version) < 0) {
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
        if (record != NULL && record->file_data != NULL && record->state != FLOW_NONE && untracked(record)) {
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
        lasti = unwind_lasti(args[1]);
        if (lasti == -1 && PyErr_Occurred()) {
            return NULL;
        }
        real_return = Cov_IsRealReturn(code, lasti);
    }
    SysMonEntry entry = *top;
    stack->depth--;
    if (!real_return && lasti < 0 && entry.record->state == FLOW_ON) {
        /* Suspended at a yield: the entry waits for the frame to resume
         * (an exact frame resumes exact).
         */
        if (entry.exact) {
            entry.record->exact_frames--;
            entry.exact = 0;
            entry.stale = 1;
        }
        if (Suspended_put(&self->suspended, &entry) < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    if (entry.exact) {
        entry.record->exact_frames--;
    }
    if (real_return) {
        /* Modelled code may have line events switched off: its last line
         * is the line of the instruction it leaves at (see sysflow.h).
         */
        if (entry.record->state == FLOW_ON) {
            int offset = (int)PyLong_AsLong(args[1]);
            if (offset == -1 && PyErr_Occurred()) {
                return NULL;
            }
            entry.last_line = exit_line(entry.record->flow, code, offset, lasti >= 0 ? lasti : offset);
        }
        uint64_t key = LineSet_ArcKey(entry.last_line, -code->co_firstlineno);
        uint64_t version = entry.file_data->version;
        if (LineSet_AddKey(entry.file_data, key) < 0
            || flow_after_arc(self, code, entry.record, entry.file_data, key, version) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *
on_py_return(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_frame(self, args, nargs, 1);
}

static PyObject *
on_py_yield(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_frame(self, args, nargs, 0);
}

static PyObject *
on_py_unwind(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_frame(self, args, nargs, UNWIND);
}

/* The cleanup location the current frame is at, or NULL. */
static const FlowCleanup *
at_cleanup(const CodeFlow *flow)
{
    struct _PyInterpreterFrame *iframe = current_iframe();
    return iframe != NULL ? CodeFlow_Cleanup(flow, PyUnstable_InterpreterFrame_GetLasti(iframe) / 2) : NULL;
}

/* An exception is caught in a frame: remember the line that raised it when
 * the code has a cleanup location other lines can raise into.  The
 * handler's first instructions have no line, so the cleanup's line event
 * follows the raising line, and nothing in between tells which one it was
 * (see sysflow.c).  The frame does, now: its last instruction is still the
 * one that raised (or re-raised, or called what raised).
 */
static PyObject *
on_exception_handled(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3);
    PyCodeObject *code = (PyCodeObject *)args[0];
    CodeRecord *record = code_record(self, code);
    struct _PyInterpreterFrame *iframe = current_iframe();
    if (record == NULL || record->flow == NULL || record->flow->raise_lines == NULL || iframe == NULL) {
        Py_RETURN_NONE;
    }
    int line = PyCode_Addr2Line(code, PyUnstable_InterpreterFrame_GetLasti(iframe));
    int slot = self->raised_next;
    self->raised[slot].iframe = iframe;
    self->raised[slot].line = line < 0 ? NO_LINE : line;
    self->raised_next = (slot + 1) % SYSMON_RAISED;
    Py_RETURN_NONE;
}

/* The arc a cleanup location's line event brings into `line`, or 0 when it
 * is not known (the exception was caught before start(), or too many were
 * caught since).
 */
static uint64_t
cleanup_arc(SysMon *self, const FlowCleanup *cleanup, int line)
{
    if (cleanup->raise_count == 0) {
        return LineSet_ArcKey(line, line);
    }
    struct _PyInterpreterFrame *iframe = current_iframe();
    for (int i = 1; i <= SYSMON_RAISED; i++) {
        int slot = (self->raised_next - i + SYSMON_RAISED) % SYSMON_RAISED;
        if (self->raised[slot].iframe == iframe) {
            self->raised[slot].iframe = NULL;
            int from = self->raised[slot].line;
            return from == NO_LINE ? 0 : LineSet_ArcKey(from, line);
        }
    }
    return 0;
}

/* Has a cleanup location brought every arc it can?  (One that brings
 * (line, line) only has, once it ran: the frame was on its line already.)
 */
static int
cleanup_done(const CodeFlow *flow, const FlowCleanup *cleanup, LineSet *file_data, int line)
{
    for (Py_ssize_t i = 0; i < cleanup->raise_count; i++) {
        if (!LineSet_HasKey(file_data, LineSet_ArcKey(flow->raise_lines[cleanup->raise_start + i], line))) {
            return 0;
        }
    }
    return 1;
}

/* A line event in a frame of modelled code that has no entry: the line
 * alone tells its arc, unless the line reads (then its arcs are all
 * recorded, or the frame ran across a clear of the data: nothing is known).
 */
static int
visit_untracked(SysMon *self, PyCodeObject *code, int line, int same_line, int *disable)
{
    CodeRecord *record = code_record(self, code);
    if (record == NULL || record->file_data == NULL || record->state != FLOW_ON) {
        return RET_OK;
    }
    const FlowLine *info = CodeFlow_Line(record->flow, line);
    if (info == NULL && !same_line) {
        return RET_OK;
    }
    LineSet *file_data = record->file_data;
    const FlowCleanup *cleanup = info != NULL && info->has_cleanup ? at_cleanup(record->flow) : NULL;
    uint64_t key = 0;
    if (cleanup != NULL) {
        key = cleanup_arc(self, cleanup, line);
    }
    else if (same_line || !info->reads || reader_need(record, info, file_data, &key) == ONE) {
        key = same_line ? LineSet_ArcKey(line, line) : info->reads ? key : info->unique;
    }
    if (key != 0) {
        uint64_t version = file_data->version;
        if (LineSet_AddKey(file_data, key) < 0
            || flow_after_arc(self, code, record, file_data, key, version) < 0) {
            return RET_ERROR;
        }
    }
    if (record->state != FLOW_ON) {
        *disable = record->state == FLOW_OFF;
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
static int
visit_line(SysMon *self, PyCodeObject *code, int line, int same_line, int *disable)
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
    if (record->state == FLOW_ON) {
        info = CodeFlow_Line(record->flow, line);
    }
    const FlowCleanup *cleanup = info != NULL && !same_line && info->has_cleanup ? at_cleanup(record->flow) : NULL;
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
                if (flow_misfit(self, record) < 0) {
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
            const FlowDecode *decode = &record->flow->decode[info->decode_start];
            Py_ssize_t i = 0;
            while (i < info->decode_count && decode[i].written != top->last_line) {
                i++;
            }
            if (i == info->decode_count) {
                if (flow_misfit(self, record) < 0) {
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
            record->exact_frames--;
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
        if (info == NULL || record->state == FLOW_NONE) {
            return RET_OK;
        }
        if (record->state == FLOW_OFF) {
            *disable = 1;
            return RET_OK;
        }
        if (info->reads && file_data->version != version && !record->readers_done
            && readers_complete(record->flow, file_data)) {
            record->readers_done = 1;
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

static PyObject *
on_line(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(2);
    PyCodeObject *code = (PyCodeObject *)args[0];
    int line = (int)PyLong_AsLong(args[1]);
    if (line == -1 && PyErr_Occurred()) {
        return NULL;
    }
    STATS(self->stats.lines++);
    self->activity = 1;
    if (!self->trace_arcs) {
        CodeRecord *record = code_record(self, code);
        if (record == NULL || record->file_data == NULL) {
            return Py_NewRef(self->disable);
        }
        LineSet *file_data = record->file_data;
        uint64_t version = file_data->version;
        if (LineSet_AddKey(file_data, (uint64_t)(uint32_t)line) < 0) {
            return NULL;
        }
        if (record->line_state == LINES_WATCHED && file_data->version != version && !self->lines_kept) {
            if (lines_check(self, code, record, file_data) < 0) {
                return NULL;
            }
            if (record->line_state == LINES_OFF) {
                /* No line instrumentation is left to disable. */
                Py_RETURN_NONE;
            }
        }
        return Py_NewRef(self->disable);
    }
    int disable = 0;
    if (visit_line(self, code, line, 0, &disable) < 0) {
        return NULL;
    }
    if (disable) {
        return Py_NewRef(self->disable);
    }
    Py_RETURN_NONE;
}

/* A backward jump that stays on one line (a loop written on one line) is a
 * new visit of that line for settrace, so it is an arc (line, line) here
 * too.  Every other jump is seen through the LINE event it leads to.
 */
static PyObject *
on_jump(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    CHECK_ARGS(3);
    PyCodeObject *code = (PyCodeObject *)args[0];
    int from = (int)PyLong_AsLong(args[1]);
    int to = (int)PyLong_AsLong(args[2]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (to < from) {
        int line = PyCode_Addr2Line(code, to);
        int disable = 0;
        if (line == PyCode_Addr2Line(code, from) && visit_line(self, code, line, 1, &disable) < 0) {
            return NULL;
        }
    }
    return Py_NewRef(self->disable);
}

/*
 * Starting and stopping.
 */

typedef struct CallbackSpec {
    int event;
    const char *method;
    int branch_only;
} CallbackSpec;

static const CallbackSpec callbacks[] = {
    {EV_PY_START, "_on_py_start", 0},
    {EV_LINE, "_on_line", 0},
    {EV_PY_RESUME, "_on_py_resume", 1},
    {EV_PY_THROW, "_on_py_throw", 1},
    {EV_PY_RETURN, "_on_py_return", 1},
    {EV_PY_YIELD, "_on_py_yield", 1},
    {EV_PY_UNWIND, "_on_py_unwind", 1},
    {EV_JUMP, "_on_jump", 1},
    {EV_EXCEPTION_HANDLED, "_on_exception_handled", 1},
};
#define N_CALLBACKS ((int)(sizeof(callbacks) / sizeof(callbacks[0])))

/* Tool ids to try, in order: coverage.py uses 1 (COVERAGE_ID) and debuggers 0. */
static const int tool_ids[] = {3, 4, 1, 2, 5};

static int
claim_tool_id(SysMon *self)
{
    for (size_t i = 0; i < sizeof(tool_ids) / sizeof(tool_ids[0]); i++) {
        PyObject *owner = PyObject_CallMethod(self->monitoring, "get_tool", "i", tool_ids[i]);
        if (owner == NULL) {
            return RET_ERROR;
        }
        int is_free = owner == Py_None;
        Py_DECREF(owner);
        if (is_free) {
            PyObject *res = PyObject_CallMethod(self->monitoring, "use_tool_id", "is", tool_ids[i], "covcore");
            if (res == NULL) {
                return RET_ERROR;
            }
            Py_DECREF(res);
            self->tool_id = tool_ids[i];
            return RET_OK;
        }
    }
    PyErr_SetString(PyExc_RuntimeError,
                    "no sys.monitoring tool id is free (ids 1-5 are all taken by other tools)");
    return RET_ERROR;
}

/* Line mode: measure the frames that are already running, in every thread,
 * from their next line on.  Branch mode leaves them untracked, as the
 * settrace core does (there is no earlier line to make an arc from), and
 * pins their code objects to the tracked path (see decide_flow).
 */
static int
adopt_running_frames(SysMon *self)
{
    int ret = RET_ERROR;
    PyObject *sys = NULL;       /* owned */
    PyObject *frames = NULL;    /* owned: dict thread id -> frame */
    PyObject *key, *frame;
    Py_ssize_t pos = 0;

    sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        goto error;
    }
    frames = PyObject_CallMethod(sys, "_current_frames", NULL);
    if (frames == NULL || !PyDict_Check(frames)) {
        goto error;
    }
    while (PyDict_Next(frames, &pos, &key, &frame)) {
        PyFrameObject *f = (PyFrameObject *)frame;
        Py_XINCREF(f);
        while (f != NULL) {
            LineSet *file_data = NULL;
            CodeRecord *record = NULL;
            PyCodeObject *code = PyFrame_GetCode(f);    /* owned */
            int rc = self->trace_arcs
                ? PySet_Add(self->pinned, (PyObject *)code)
                : decide_code(self, code, &file_data, &record);
            Py_DECREF(code);
            PyFrameObject *back = PyFrame_GetBack(f);   /* owned */
            Py_DECREF(f);
            f = back;
            if (rc < 0) {
                Py_XDECREF(f);
                goto error;
            }
        }
    }
    ret = RET_OK;
error:
    Py_XDECREF(frames);
    Py_XDECREF(sys);
    return ret;
}

static PyObject *
SysMon_start(SysMon *self, PyObject *unused)
{
    PyObject *res = NULL;
    if (self->started) {
        return Py_NewRef((PyObject *)self);
    }
    if (!PyCallable_Check(self->should_trace) || !PyDict_Check(self->data)
        || !PyDict_Check(self->should_trace_cache)) {
        PyErr_SetString(PyExc_TypeError, "SysMon needs should_trace, data and should_trace_cache");
        return NULL;
    }
    if ((self->trace_arcs && ready_flow_model() < 0) || claim_tool_id(self) < 0) {
        return NULL;
    }
    Py_XSETREF(self->tool_id_obj, PyLong_FromLong(self->tool_id));
    Py_XSETREF(self->set_local, PyObject_GetAttrString(self->monitoring, "set_local_events"));
    if (self->tool_id_obj == NULL || self->set_local == NULL) {
        goto error;
    }
    self->generation = next_generation++;
    self->lines_kept = 0;
    for (int i = 0; i < N_CALLBACKS; i++) {
        if (callbacks[i].branch_only && !self->trace_arcs) {
            continue;
        }
        PyObject *method = PyObject_GetAttrString((PyObject *)self, callbacks[i].method);
        if (method == NULL) {
            goto error;
        }
        res = PyObject_CallMethod(self->monitoring, "register_callback", "iiO",
                                  self->tool_id, callbacks[i].event, method);
        Py_DECREF(method);
        if (res == NULL) {
            goto error;
        }
        Py_CLEAR(res);
    }
    int global = EV_PY_START | (self->trace_arcs ? EV_PY_UNWIND | EV_PY_THROW | EV_EXCEPTION_HANDLED : 0);
    res = PyObject_CallMethod(self->monitoring, "set_events", "ii", self->tool_id, global);
    if (res == NULL) {
        goto error;
    }
    Py_CLEAR(res);
    /* Locations an earlier run disabled must report again. */
    res = PyObject_CallMethod(self->monitoring, "restart_events", NULL);
    if (res == NULL) {
        goto error;
    }
    Py_CLEAR(res);
    self->started = 1;
    if (self->trace_arcs) {
        clearing_sysmon = self;
        LineSet_clear_hook = data_cleared;
    }
    if (adopt_running_frames(self) < 0) {
        goto error;
    }
    return Py_NewRef((PyObject *)self);
error:
    {
        PyObject *exc = PyErr_GetRaisedException();
        PyObject *stopped = PyObject_CallMethod((PyObject *)self, "stop", NULL);
        Py_XDECREF(stopped);
        PyErr_SetRaisedException(exc);
    }
    return NULL;
}

/* sys.monitoring.restart_events(), for a new context: every line reports
 * again, in every frame, even one already running (a suspended generator
 * resumes with no PY_START).  Line mode: code switched off gets its LINE
 * events back, and none is switched off for the rest of the run: contexts
 * switch often, and switching code off and on each time would cost more
 * than the checks it saves.
 */
static PyObject *
SysMon_restart_events(SysMon *self, PyObject *unused)
{
    if (self->started && !self->trace_arcs && !self->lines_kept && self->instrumented != NULL) {
        self->lines_kept = 1;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(self->instrumented); i++) {
            PyCodeObject *code = (PyCodeObject *)PyList_GET_ITEM(self->instrumented, i);  /* borrowed */
            CodeRecord *record = code_record(self, code);
            if (record != NULL && record->line_state == LINES_OFF) {
                record->line_state = LINES_ON;
                if (set_local_events(self, code, EV_LINE) < 0) {
                    return NULL;
                }
            }
        }
    }
    return PyObject_CallMethod(self->monitoring, "restart_events", NULL);
}

static PyObject *
SysMon_stop(SysMon *self, PyObject *unused)
{
    int ret = RET_OK;
    PyObject *res;
    if (self->tool_id < 0) {
        Py_RETURN_NONE;
    }
    self->started = 0;
    if (clearing_sysmon == self) {
        clearing_sysmon = NULL;
        LineSet_clear_hook = NULL;
    }
    /* Leave nothing behind: no global or local events, no callbacks. */
    res = PyObject_CallMethod(self->monitoring, "set_events", "ii", self->tool_id, 0);
    ret |= res == NULL;
    Py_XDECREF(res);
    PyObject *codes = self->instrumented;   /* borrowed (NULL after tp_clear); no callback runs here */
    if (codes != NULL) {
        for (Py_ssize_t i = 0; self->set_local != NULL && i < PyList_GET_SIZE(codes); i++) {
            ret |= set_local_events(self, (PyCodeObject *)PyList_GET_ITEM(codes, i), 0) < 0;
        }
        ret |= PyList_SetSlice(codes, 0, PyList_GET_SIZE(codes), NULL) < 0;
    }
    PySet_Clear(self->pinned);
    PyMem_Free(self->suspended.slots);
    self->suspended.slots = NULL;
    self->suspended.alloc = self->suspended.used = 0;
    for (int i = 0; i < N_CALLBACKS; i++) {
        res = PyObject_CallMethod(self->monitoring, "register_callback", "iiO",
                                  self->tool_id, callbacks[i].event, Py_None);
        ret |= res == NULL;
        Py_XDECREF(res);
    }
    res = PyObject_CallMethod(self->monitoring, "free_tool_id", "i", self->tool_id);
    ret |= res == NULL;
    Py_XDECREF(res);
    self->tool_id = -1;
    Py_CLEAR(self->tool_id_obj);
    Py_CLEAR(self->set_local);
    self->generation = 0;
    for (Py_ssize_t i = 0; i < self->n_threads; i++) {
        PyMem_Free(self->threads[i].entries);
    }
    self->n_threads = 0;
    self->cur_tstate = NULL;
    if (ret) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/*
 * The type.
 */

static int
SysMon_init(SysMon *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":SysMon", kwlist)) {
        return RET_ERROR;
    }
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        return RET_ERROR;
    }
    Py_XSETREF(self->monitoring, PyObject_GetAttrString(sys, "monitoring"));
    Py_DECREF(sys);
    if (self->monitoring == NULL) {
        return RET_ERROR;
    }
    Py_XSETREF(self->disable, PyObject_GetAttrString(self->monitoring, "DISABLE"));
    Py_XSETREF(self->should_trace, Py_NewRef(Py_None));
    Py_XSETREF(self->should_trace_cache, PyDict_New());
    Py_XSETREF(self->data, PyDict_New());
    Py_XSETREF(self->instrumented, PyList_New(0));
    Py_XSETREF(self->pinned, PySet_New(NULL));
    if (self->disable == NULL || self->should_trace_cache == NULL || self->data == NULL
        || self->instrumented == NULL || self->pinned == NULL) {
        return RET_ERROR;
    }
    self->tool_id = -1;
    self->cur_thread = 0;
    memset(&self->stats, 0, sizeof(self->stats));
    return RET_OK;
}

static void
SysMon_dealloc(SysMon *self)
{
    PyObject_GC_UnTrack(self);
    if (clearing_sysmon == self) {
        clearing_sysmon = NULL;
        LineSet_clear_hook = NULL;
    }
    if (self->tool_id >= 0) {
        PyObject *res = SysMon_stop(self, NULL);
        if (res == NULL) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        Py_XDECREF(res);
    }
    PyMem_Free(self->threads);
    PyMem_Free(self->suspended.slots);
    Py_CLEAR(self->should_trace);
    Py_CLEAR(self->should_trace_cache);
    Py_CLEAR(self->data);
    Py_CLEAR(self->monitoring);
    Py_CLEAR(self->disable);
    Py_CLEAR(self->set_local);
    Py_CLEAR(self->tool_id_obj);
    Py_CLEAR(self->instrumented);
    Py_CLEAR(self->pinned);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
SysMon_traverse(SysMon *self, visitproc visit, void *arg)
{
    Py_VISIT(self->should_trace);
    Py_VISIT(self->should_trace_cache);
    Py_VISIT(self->data);
    Py_VISIT(self->instrumented);
    Py_VISIT(self->pinned);
    return 0;
}

static int
SysMon_clear(SysMon *self)
{
    Py_CLEAR(self->should_trace);
    Py_CLEAR(self->should_trace_cache);
    Py_CLEAR(self->data);
    Py_CLEAR(self->instrumented);
    Py_CLEAR(self->pinned);
    return 0;
}

static PyObject *
SysMon_activity(SysMon *self, PyObject *unused)
{
    return PyBool_FromLong(self->activity);
}

static PyObject *
SysMon_reset_activity(SysMon *self, PyObject *unused)
{
    self->activity = 0;
    Py_RETURN_NONE;
}

static PyObject *
SysMon_get_stats(SysMon *self, PyObject *unused)
{
#ifdef COVCORE_STATS
    return Py_BuildValue(
        "{sKsKsKsKsK}",
        "calls", (unsigned long long)self->stats.calls,
        "lines", (unsigned long long)self->stats.lines,
        "returns", (unsigned long long)self->stats.returns,
        "files", (unsigned long long)self->stats.files,
        "cache_hits", (unsigned long long)self->stats.cache_hits
    );
#else
    Py_RETURN_NONE;
#endif
}

/* For the tests: the arcs the model gives `code` (a set, or None outside
 * the model), and where the code stands in this run.
 */
static PyObject *
SysMon_flow_arcs(SysMon *self, PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "_flow_arcs needs a code object");
        return NULL;
    }
    if (ready_flow_model() < 0) {
        return NULL;
    }
    CodeFlow *flow = CodeFlow_New((PyCodeObject *)code);    /* owned */
    if (flow == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *arcs = PySet_New(NULL);   /* owned */
    for (Py_ssize_t i = 0; arcs != NULL && i < flow->n_arcs; i++) {
        PyObject *arc = Py_BuildValue("(ii)", (int)(int32_t)(uint32_t)(flow->arcs[i] >> 32),
                                      (int)(int32_t)(uint32_t)flow->arcs[i]);
        if (arc == NULL || PySet_Add(arcs, arc) < 0) {
            Py_CLEAR(arcs);
        }
        Py_XDECREF(arc);
    }
    CodeFlow_Free(flow);
    return arcs;
}

static PyObject *
SysMon_flow_state(SysMon *self, PyObject *code)
{
    static const char *const names[] = {"tracked", "tracked until complete", "off"};
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "_flow_state needs a code object");
        return NULL;
    }
    CodeRecord *record = code_record(self, (PyCodeObject *)code);
    if (record == NULL || record->file_data == NULL || !self->trace_arcs) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(names[record->state]);
}

static PyObject *
SysMon_get_tool_id(SysMon *self, void *closure)
{
    if (self->tool_id < 0) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLong(self->tool_id);
}

static PyMemberDef SysMon_members[] = {
    {"should_trace", T_OBJECT, offsetof(SysMon, should_trace), 0,
     "callable(filename, frame) -> the name to record under, or None"},
    {"should_trace_cache", T_OBJECT, offsetof(SysMon, should_trace_cache), 0,
     "dict: file name -> decision of should_trace"},
    {"data", T_OBJECT, offsetof(SysMon, data), 0, "dict: measured file name -> LineSet"},
    {"trace_arcs", T_BOOL, offsetof(SysMon, trace_arcs), 0, "record arcs rather than lines"},
    {"_misfits", T_PYSSIZET, offsetof(SysMon, misfits), READONLY,
     "branch mode: code objects the flow model did not fit (expected 0)"},
    {NULL}
};

static PyGetSetDef SysMon_getset[] = {
    {"tool_id", (getter)SysMon_get_tool_id, NULL, "the sys.monitoring tool id in use, or None", NULL},
    {NULL}
};

#define CALLBACK_DEF(name) \
    {"_" #name, (PyCFunction)(void (*)(void))name, METH_FASTCALL, "sys.monitoring callback"}

static PyMethodDef SysMon_methods[] = {
    {"start", (PyCFunction)SysMon_start, METH_NOARGS, "Start measuring, in every thread."},
    {"stop", (PyCFunction)SysMon_stop, METH_NOARGS, "Stop measuring and free the tool id."},
    {"restart_events", (PyCFunction)SysMon_restart_events, METH_NOARGS,
     "Report every line (and arc) again, from every frame: a new context starts."},
    {"activity", (PyCFunction)SysMon_activity, METH_NOARGS, "Any events since reset_activity()?"},
    {"reset_activity", (PyCFunction)SysMon_reset_activity, METH_NOARGS, "Forget past activity."},
    {"get_stats", (PyCFunction)SysMon_get_stats, METH_NOARGS, "Counters, or None."},
    {"_flow_arcs", (PyCFunction)SysMon_flow_arcs, METH_O, "Branch mode: the arcs a code object can record, or None."},
    {"_flow_state", (PyCFunction)SysMon_flow_state, METH_O, "Branch mode: how a code object is measured now."},
    CALLBACK_DEF(on_py_start),
    CALLBACK_DEF(on_py_resume),
    CALLBACK_DEF(on_py_throw),
    CALLBACK_DEF(on_py_return),
    CALLBACK_DEF(on_py_yield),
    CALLBACK_DEF(on_py_unwind),
    CALLBACK_DEF(on_line),
    CALLBACK_DEF(on_jump),
    CALLBACK_DEF(on_exception_handled),
    {NULL}
};

PyTypeObject SysMonType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "covcore._ctracer.SysMon",
    .tp_doc = "The sys.monitoring core: one instance measures every thread.",
    .tp_basicsize = sizeof(SysMon),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)SysMon_init,
    .tp_dealloc = (destructor)SysMon_dealloc,
    .tp_traverse = (traverseproc)SysMon_traverse,
    .tp_clear = (inquiry)SysMon_clear,
    .tp_members = SysMon_members,
    .tp_getset = SysMon_getset,
    .tp_methods = SysMon_methods,
};

#endif /* COVCORE_HAS_SYSMON */
