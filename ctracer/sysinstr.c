/* SysInstr: line events from INSTRUCTION events (3.12, 3.13), see sysinstr.h. */

#include "sysinstr.h"

#if COVCORE_HAS_INSTR_LINES

#include "exctable.h"
#include "flowops.h"
#include "sysevents.h"
#include "sysframes.h"
#include "syslines.h"
#include "sigwatch.h"

#include <stdlib.h>
#include <string.h>

/* Build-time bits of InstrLines.flags, beside the IL_* ones: what can run
 * right before the instruction (see sysinstr.h).
 */
enum {
    IL_SAME = 8,        /* an instruction of its line */
    IL_OTHER = 16,      /* an instruction of another line (or none), or a RESUME */
};

/* The factor of the cost rule (see SysInstr_decide()): a LINE event's scan
 * of the location table costs about this many times less, per code unit,
 * than an INSTRUCTION event (benchmarks/huge_module.py).
 */
#define INSTR_FACTOR 64
/* Below this many code units scanned, LINE events stay: the scans cost
 * less than the table's building.
 */
#define INSTR_MIN_COST (1 << 20)

void
InstrLines_Free(InstrLines *il)
{
    if (il != NULL) {
        PyMem_RawFree(il->lines);
        PyMem_RawFree(il->flags);
        PyMem_RawFree(il);
    }
}

void
SysInstr_configure(SysMon *self)
{
    const char *rule = getenv("COVCORE_SYSMON_INSTR");
    self->instr_rule = INSTR_RULE_COST;
    self->instr_factor = INSTR_FACTOR;
    if (rule == NULL || rule[0] == '\0') {
        return;
    }
    if (strcmp(rule, "all") == 0) {
        self->instr_rule = INSTR_RULE_ALL;
    }
    else if (strcmp(rule, "off") == 0) {
        self->instr_rule = INSTR_RULE_OFF;
    }
    else {
        char *end = NULL;
        long factor = strtol(rule, &end, 10);
        if (end != rule && *end == '\0' && factor >= 0) {
            self->instr_factor = (Py_ssize_t)factor;
        }
    }
}

/* What can run right before `dest`: an instruction of line `from`, or
 * (from_resume) a RESUME.
 */
static void
mark_before(InstrLines *il, Py_ssize_t dest, int from, int from_resume)
{
    if (dest < 0 || dest >= il->n_units) {
        return;
    }
    il->flags[dest] |= !from_resume && from == il->lines[dest] ? IL_SAME : IL_OTHER;
}

/* The line starts in bytecode order (sysinstr.h), and what falls through
 * into each instruction: the one before it in the bytecode, or two before,
 * past a POP_TOP a specialized call skips.  RESUME, END_FOR, END_SEND and
 * END_ASYNC_FOR never start a line, nor change the line the next
 * instruction is compared with.
 */
static void
mark_line_changes(InstrLines *il, const unsigned char *ops)
{
    Py_ssize_t first = il->body > 0 ? il->body - 1 : 0;
    Py_ssize_t before = -1, before2 = -1;
    int current = -1;
    for (Py_ssize_t u = first; u < il->n_units; u = Flow_next_instr(ops, il->n_units, u)) {
        int op = ops[2 * u], line = il->lines[u];
        if (op == RESUME) {
            il->flags[u] |= IL_RESUME;
        }
        else if (op != END_FOR && op != END_SEND && op != END_ASYNC_FOR) {
            if (line >= 0 && line != current) {
                il->flags[u] |= IL_START;
            }
            current = line;
        }
        if (before < 0) {
            il->flags[u] |= IL_OTHER;
        }
        else {
            mark_before(il, u, il->lines[before], il->flags[before] & IL_RESUME);
            if (ops[2 * before] == POP_TOP && before2 >= 0) {
                mark_before(il, u, il->lines[before2], il->flags[before2] & IL_RESUME);
            }
        }
        before2 = before;
        before = u;
    }
}

/* Jump targets start lines (one past the target for FOR_ITER and SEND,
 * past their END_FOR or END_SEND), and so do handlers.
 */
static ModelResult
mark_targets(InstrLines *il, PyCodeObject *code, const unsigned char *ops)
{
    Py_ssize_t first = il->body > 0 ? il->body - 1 : 0;
    for (Py_ssize_t u = first; u < il->n_units;) {
        Py_ssize_t next = Flow_next_instr(ops, il->n_units, u);
        int op = ops[2 * u];
        if (Flow_kind(op) & K_JUMP) {
            Py_ssize_t target = Flow_jump_target(ops, u, next);
            int past = op == FOR_ITER || op == SEND;
            Py_ssize_t start = target + past;
            if (start >= 0 && start < il->n_units && il->lines[start] >= 0) {
                il->flags[start] |= IL_START;
            }
            /* Where it can land: FOR_ITER past its END_FOR (and 3.13's
             * POP_TOP), SEND at or past its END_SEND.
             */
            Py_ssize_t last = op == FOR_ITER ? target + Flow_ops.for_iter_exits - 1 : start;
            for (Py_ssize_t d = target; d <= last; d++) {
                mark_before(il, d, il->lines[u], 0);
            }
        }
        u = next;
    }
    ExcTable table = {NULL, 0};
    ModelResult res = ExcTable_Read(code, il->n_units, &table);
    if (res != MODEL_OK) {
        return res;
    }
    for (Py_ssize_t h = 0; h < table.n; h++) {
        Py_ssize_t target = table.handlers[h].target;
        if (target < first || target >= il->n_units || il->lines[target] < 0) {
            continue;
        }
        il->flags[target] |= IL_START;
        for (Py_ssize_t u = table.handlers[h].start; u < table.handlers[h].end && u < il->n_units; u++) {
            /* An exception thrown in at a yield: 3.13 runs the handler
             * after the RESUME that follows it (the PY_THROW event's offset).
             */
            int thrown = Flow_kind(ops[2 * u]) & K_YIELD;
            mark_before(il, target, il->lines[u], thrown || (il->flags[u] & IL_RESUME));
        }
    }
    ExcTable_Clear(&table);
    return MODEL_OK;
}

/* The InstrLines of `code` into *out: NULL when its bytecode does not read
 * as expected (it keeps LINE events).  RET_OK or RET_ERROR.
 */
static int
build(PyCodeObject *code, InstrLines **out)
{
    int ret = RET_ERROR;
    InstrLines *il = NULL;      /* owned until returned */
    PyObject *bytes = Cov_CodeBytes(code);     /* owned */
    *out = NULL;
    if (bytes == NULL) {
        return RET_ERROR;
    }
    const unsigned char *ops = (const unsigned char *)PyBytes_AS_STRING(bytes);
    Py_ssize_t n_units = PyBytes_GET_SIZE(bytes) / 2;
    il = PyMem_RawCalloc(1, sizeof(InstrLines));
    if (il == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    il->n_units = n_units;
    il->lines = PyMem_RawMalloc(((size_t)n_units + 1) * sizeof(int));
    il->flags = PyMem_RawCalloc((size_t)n_units + 1, 1);
    if (il->lines == NULL || il->flags == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (CodeLines_PerUnit(code, il->lines, n_units) < 0) {
        goto error;
    }
    il->body = Cov_BodyStart(code) / 2;
    mark_line_changes(il, ops);
    switch (mark_targets(il, code, ops)) {
    case MODEL_FAILED:
        goto error;
    case MODEL_OUTSIDE:
        ret = RET_OK;       /* *out stays NULL */
        goto error;
    case MODEL_OK:
        break;
    }
    for (Py_ssize_t u = 0; u < n_units; u++) {
        unsigned char flags = il->flags[u];
        if (u < il->body || il->lines[u] < 0) {
            flags &= (unsigned char)~IL_START;
        }
        else {
            flags |= IL_BODY;
        }
        if ((flags & IL_START) && (flags & IL_SAME)) {
            if (flags & IL_OTHER) {
                il->ambiguous = 1;
            }
            else {
                flags &= (unsigned char)~IL_START;    /* always entered from its own line: never reports */
            }
        }
        il->flags[u] = flags & (IL_BODY | IL_START | IL_RESUME);
    }
    *out = il;
    il = NULL;
    ret = RET_OK;
error:
    InstrLines_Free(il);
    Cov_CodeBytesDone(bytes);
    return ret;
}

int
SysInstr_decide(SysMon *self, PyCodeObject *code, CodeRecord *record)
{
    record->instr = 0;
    if (self->instr_rule == INSTR_RULE_OFF) {
        return RET_OK;
    }
    if (self->instr_rule == INSTR_RULE_COST) {
        /* The scans cost at most the sum of every code unit's index. */
        Py_ssize_t units = Py_SIZE(code);
        if (units < 2048 && units * units / 2 < INSTR_MIN_COST) {
            return RET_OK;
        }
        if (record->instr_cost < 0) {
            Py_ssize_t cost = CodeLines_FarCost(code);
            if (cost < 0) {
                return RET_ERROR;
            }
            record->instr_cost = cost;
        }
        /* One LINE event per line start against one INSTRUCTION event per
         * instruction (every one, once, in line mode; most of them, once,
         * in branch mode).
         */
        if (record->instr_cost < INSTR_MIN_COST || record->instr_cost / Py_MAX(self->instr_factor, 1) < Py_SIZE(code)) {
            return RET_OK;
        }
    }
    if (!record->instr_built) {
        if (build(code, &record->instr_lines) < 0) {
            return RET_ERROR;
        }
        record->instr_built = 1;
    }
    record->instr = record->instr_lines != NULL;
    if (record->instr) {
        InstrLines *il = record->instr_lines;
        for (Py_ssize_t u = 0; u < il->n_units; u++) {
            il->flags[u] &= (unsigned char)~IL_SEEN;
        }
    }
    return RET_OK;
}

/* How far back a line's start is looked for (see line_start_lost()). */
#define START_LOOKBACK 256

/* The line start of the line of the instruction at `unit`: the nearest
 * before it on its line, within START_LOOKBACK, or -1.
 */
static Py_ssize_t
start_of_line(const InstrLines *il, Py_ssize_t unit)
{
    int line = il->lines[unit];
    for (Py_ssize_t u = unit; u >= il->body && u >= unit - START_LOOKBACK; u--) {
        if (il->lines[u] != line) {
            return -1;
        }
        if (il->flags[u] & IL_START) {
            return u;
        }
    }
    return -1;
}

void
SysInstr_adopt(CodeRecord *record, int lasti)
{
    if (!record->instr || lasti < 0 || lasti / 2 >= record->instr_lines->n_units) {
        return;
    }
    InstrLines *il = record->instr_lines;
    Py_ssize_t start = start_of_line(il, lasti / 2);
    if (start >= 0) {
        il->flags[start] |= IL_SEEN;
    }
}

/* Line mode: an instruction that starts no line runs; was the event of the
 * start of its line, just before it in the bytecode, lost?  CPython 3.12
 * and 3.13 give no INSTRUCTION event at the instruction whose line event
 * removes a sys.settrace tracer (pdb's continue): that start never
 * reported in this run, though it ran.  A start that did report (before a
 * generator suspended in the middle of its line, say) means the line was
 * seen: resumed there, the line brings no line event.
 */
static int
line_start_lost(const InstrLines *il, Py_ssize_t unit)
{
    Py_ssize_t start = start_of_line(il, unit);
    return start >= 0 && !(il->flags[start] & IL_SEEN);
}

/*
 * CPython 3.12 and 3.13 lose a tool's INSTRUCTION events on a code object
 * when another tool turns on an event that one of the code's tools already
 * has (sys.settrace, sys.setprofile, a debugger or a profiler starting):
 * the code becomes "multi-tool", and update_instrumentation_data() (in
 * Python/instrumentation.c) then makes its per-instruction tool table
 * empty while INSTRUCTION events are on, so none of them fires again.  Made
 * while the code has no INSTRUCTION events, the table is filled as events
 * are added, and it stays for the code's life.  So before a code object's
 * first INSTRUCTION events, a free tool id takes PY_START on it for an
 * instant, beside our own (global) PY_START: the code is multi-tool when
 * our INSTRUCTION events come, and its table is made then.  Without a free
 * id the code keeps LINE events.
 */

int
SysInstr_before_events(SysMon *self, PyCodeObject *code, CodeRecord *record, int *helper)
{
    *helper = -1;
    if (record->instr_ready) {
        return RET_OK;
    }
    for (int id = 0; id < 6 && *helper < 0; id++) {
        PyObject *owner = Cov_CallMethod(self->monitoring, Cov_names.get_tool, "(i)", id);
        if (owner == NULL) {
            return RET_ERROR;
        }
        int is_free = owner == Py_None;
        Py_DECREF(owner);
        if (is_free) {
            PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.use_tool_id, "(is)", id, "covcore (an instant)");
            if (res == NULL) {
                return RET_ERROR;
            }
            Py_DECREF(res);
            *helper = id;
        }
    }
    if (*helper < 0) {
        record->instr = 0;      /* LINE events: correct, only slower */
        return RET_OK;
    }
    PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.set_local_events, "(iOi)", *helper, (PyObject *)code,
                                   EV_PY_START);
    if (res == NULL) {
        PyObject *exc = PyErr_GetRaisedException();
        SysInstr_after_events(self, code, *helper);
        PyErr_SetRaisedException(exc);
        *helper = -1;
        return RET_ERROR;
    }
    Py_DECREF(res);
    record->instr_ready = 1;
    return RET_OK;
}

int
SysInstr_after_events(SysMon *self, PyCodeObject *code, int helper)
{
    if (helper < 0) {
        return RET_OK;
    }
    PyObject *res = Cov_CallMethod(self->monitoring, Cov_names.set_local_events, "(iOi)", helper, (PyObject *)code, 0);
    int failed = res == NULL;
    Py_XDECREF(res);
    res = Cov_CallMethod(self->monitoring, Cov_names.free_tool_id, "(i)", helper);
    failed |= res == NULL;
    Py_XDECREF(res);
    return failed ? RET_ERROR : RET_OK;
}

void
SysInstr_thrown(SysMon *self, PyCodeObject *code, SysMonEntry *entry, int offset)
{
    CodeRecord *record = code_record(self, code);   /* borrowed */
    if (record == NULL || !record->instr || offset < 0 || offset / 2 >= record->instr_lines->n_units) {
        return;
    }
    const InstrLines *il = record->instr_lines;
    entry->prev_line = (il->flags[offset / 2] & IL_RESUME) ? AFTER_RESUME : il->lines[offset / 2];
}

/* Branch mode, ambiguous code: the instruction at `unit` runs in the frame
 * of `code`; a line start brings a LINE event unless the frame's last
 * instruction was on its line (and was no RESUME).  Every frame of such
 * code has an entry (FLOW_NONE), but those running at start(): nothing is
 * recorded for them.
 */
static PyObject *
ambiguous_instruction(SysMon *self, PyCodeObject *code, const InstrLines *il, Py_ssize_t unit)
{
    ThreadStack *stack = NULL;
    SysMonEntry *top = SysFrames_top(self, code, &stack);
    if (top == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    int line = il->lines[unit], prev = top->prev_line;
    top->prev_line = line;
    if ((il->flags[unit] & IL_START) && line != prev) {
        int disable = 0;    /* (never set: FLOW_NONE) */
        if (SysEvents_visit_line(self, code, line, 0, &disable) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *
on_instruction(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (self->lost_tool) {
        Py_RETURN_NONE;
    }
    if (nargs < 2 || !PyCode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "bad sys.monitoring callback arguments");
        return NULL;
    }
    PyCodeObject *code = (PyCodeObject *)args[0];
    CodeRecord *record = code_record(self, code);   /* borrowed */
    if (record == NULL || record->file_data == NULL || !record->instr) {
        return Py_NewRef(self->disable);
    }
    long offset = PyLong_AsLong(args[1]);
    if (offset == -1 && PyErr_Occurred()) {
        return NULL;
    }
    InstrLines *il = record->instr_lines;
    Py_ssize_t unit = (Py_ssize_t)offset / 2;
    if (offset < 0 || unit < il->body || unit >= il->n_units) {
        /* The prologue before the first RESUME: no line event there. */
        return Py_NewRef(self->disable);
    }
    self->activity = 1;
    int line = il->lines[unit];
    if (!self->trace_arcs) {
        /* Only where a LINE event can fire: the same set of lines, and in
         * each context (restart_events()) the lines that report in it (a
         * frame suspended in the middle of a line resumes without one).
         */
        if (!(il->flags[unit] & IL_START)) {
            if (line < 0 || !line_start_lost(il, unit)) {
                return Py_NewRef(self->disable);
            }
        }
        else {
            il->flags[unit] |= IL_SEEN;
        }
        STATS(self->stats.lines++);
        return lines_line(self, code, line);
    }
    if (il->ambiguous) {
        return ambiguous_instruction(self, code, il, unit);
    }
    if (!(il->flags[unit] & IL_START)) {
        return Py_NewRef(self->disable);
    }
    STATS(self->stats.lines++);
    int disable = 0;
    if (SysEvents_visit_line(self, code, line, 0, &disable) < 0) {
        return NULL;
    }
    if (disable) {
        return Py_NewRef(self->disable);
    }
    Py_RETURN_NONE;
}

PyObject *
SysInstr_on_instruction(SysMon *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *result = on_instruction(self, args, nargs);   /* owned */
    /* Long straight code is where a SIGTERM would wait (sigwatch.h). */
    if (result != NULL && Sigwatch_poll() < 0) {
        Py_CLEAR(result);
    }
    return result;
}

#endif /* COVCORE_HAS_INSTR_LINES */
