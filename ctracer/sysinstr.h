/* SysInstr: line events from INSTRUCTION events, for the sys.monitoring
 * core on 3.12 and 3.13 (util.h's COVCORE_HAS_INSTR_LINES).
 *
 * Those Pythons keep each instruction's line as its distance from
 * co_firstlineno in one signed byte; for an instruction further away than
 * that, every LINE event there finds the line by scanning the location
 * table from its start (compute_line() in Python/instrumentation.c), and
 * so does the comparison with the previous instruction's line.  A long
 * flat module (generated tables, data) so costs time in proportion to the
 * square of its length under any tool with LINE events, sys.settrace
 * included.  INSTRUCTION events carry (code, offset) and no line: for code
 * where the scans would cost more than an event per instruction (see
 * SysInstr_decide()), the core asks for INSTRUCTION events instead of LINE
 * events (SysCode_set_events() swaps them), and turns each offset into its
 * line with a table of its own, built once per code object (InstrLines).
 *
 * Which instructions bring a LINE event, in 3.12 and 3.13: a *line start*
 * (an instruction whose line differs from the one before it in the
 * bytecode, skipping RESUME, END_FOR, END_SEND and END_ASYNC_FOR, which
 * never start a line nor change the line compared with; a jump's target,
 * one past it for FOR_ITER and SEND; an exception handler), when it runs
 * right after an instruction of another line, or right after a RESUME
 * (_Py_call_instrumentation_line() compares with the frame's previous
 * instruction).
 *
 * Line mode records the line of each line start that runs, and disables
 * every instruction at its first event.  That is the set of lines the
 * LINE events bring: each LINE event's instruction is a line start that
 * runs; and of the instructions of a line L that run in a frame, take the
 * first to run.  Were it not a line start, it would be no jump target nor
 * handler, so it could only be entered by falling through from the
 * instruction before it in the bytecode, which is then on line L too (a
 * RESUME, END_FOR or END_SEND in between follows an instruction of its
 * line that ran before it: the yield, the FOR_ITER, the SEND), and ran
 * before it.  So it is a line start, and the instruction that ran before
 * it is on another line (it is the first of L) or a RESUME: a LINE event
 * for L.  (A specialized call that skips the POP_TOP after it lands after
 * an instruction of its own line.)  Only line starts, not every
 * instruction: a generator resumed in the middle of a line, in a new
 * context, must not report that line again.  One exception: CPython drops
 * the INSTRUCTION event of the instruction whose line event removes a
 * sys.settrace tracer (pdb's continue), so an instruction that starts no
 * line records its line when the start of its line never reported in this
 * run (IL_SEEN; a frame running at start() has seen the line it is in).
 *
 * Branch mode needs the very sequence of LINE events.  For each line start
 * the build lists what can run right before it: the instruction before it
 * in the bytecode (and two before, past a POP_TOP), the jumps to it, the
 * instructions its handler covers, a RESUME (after a yield, or a throw in
 * at a yield, which 3.13 runs from the RESUME).  A start none of whose
 * predecessors is on its line always brings a LINE event: its INSTRUCTION
 * event is handled as one, so everything downstream (the flow model,
 * deferral, the disabling of locations) works as with LINE events.  A
 * start all of whose predecessors are on its line never brings one: it is
 * no start.  Every other instruction is disabled at its first event.  A
 * start with predecessors of both kinds (a `for` loop's FOR_ITER, entered
 * from the GET_ITER on its line and from the body's backward jump) makes
 * the code *ambiguous*: it stays outside the flow model (FLOW_NONE, every
 * frame tracked, nothing deferred), no instruction of it is disabled, and
 * each frame's entry keeps the line of its last instruction (SysMonEntry's
 * prev_line: AFTER_RESUME after PY_START and PY_RESUME, the line of the
 * throw's offset after PY_THROW), from which the rule above decides.
 */
#ifndef COVCORE_SYSINSTR_H
#define COVCORE_SYSINSTR_H

#include "syscode.h"

#if COVCORE_HAS_SYSMON

#if COVCORE_HAS_INSTR_LINES

/* Per code unit, what its INSTRUCTION event means (InstrLines.flags). */
enum {
    IL_BODY = 1,        /* an instruction with a line, from the body's start on */
    IL_START = 2,       /* a line start (see above) */
    IL_RESUME = 4,      /* a RESUME */
    IL_SEEN = 32,       /* line mode: a line start whose event came in this run */
};

/* The lines of a code object's instructions, built once (kept in its record). */
typedef struct InstrLines {
    int *lines;             /* owned, PyMem_Raw: per code unit, its line (-1: none) */
    unsigned char *flags;   /* owned, PyMem_Raw: per code unit, IL_* bits */
    Py_ssize_t n_units;
    Py_ssize_t body;        /* the first code unit after the first RESUME */
    int ambiguous;          /* some line start can be entered from its own line */
} InstrLines;

/* How SysInstr_decide() chooses (SysMon.instr_rule), from the environment
 * variable COVCORE_SYSMON_INSTR at start(): unset, the cost rule; "all",
 * every measured code object (a testing aid: the differential suites run
 * through this path); "off", none; a number, the cost rule with that
 * factor.
 */
enum {
    INSTR_RULE_COST,
    INSTR_RULE_ALL,
    INSTR_RULE_OFF,
};

void InstrLines_Free(InstrLines *il);

/* Read COVCORE_SYSMON_INSTR into self->instr_rule and self->instr_factor. */
void SysInstr_configure(SysMon *self);

/* A measured code object's first start in this run: does it take
 * INSTRUCTION events instead of LINE events (record->instr)?  Builds its
 * InstrLines when it does.  RET_OK or RET_ERROR.
 */
int SysInstr_decide(SysMon *self, PyCodeObject *code, CodeRecord *record);

/* Around the first set_local_events() that gives `code` INSTRUCTION events:
 * work around a CPython bug that would lose them (see sysinstr.c).  Before:
 * *helper is a tool id to give back after (-1: none); record->instr is
 * cleared when no tool id is free (the code keeps LINE events).  RET_OK or
 * RET_ERROR.
 */
int SysInstr_before_events(SysMon *self, PyCodeObject *code, CodeRecord *record, int *helper);
int SysInstr_after_events(SysMon *self, PyCodeObject *code, int helper);

/* Line mode: a frame of `code` was running at start(), at byte `lasti`:
 * the line it is in the middle of reported already (see line_start_lost()).
 */
void SysInstr_adopt(CodeRecord *record, int lasti);

/* The INSTRUCTION callback (both modes). */
PyObject *SysInstr_on_instruction(SysMon *self, PyObject *const *args, Py_ssize_t nargs);

/* A frame of `code` resumes with an exception thrown in at `offset`: the
 * instruction that ran last in it is the one there.
 */
void SysInstr_thrown(SysMon *self, PyCodeObject *code, SysMonEntry *entry, int offset);

#endif /* COVCORE_HAS_INSTR_LINES */

/* The line of the instruction at byte `offset` of `code`: from the code's
 * InstrLines when it has one (no scan of the location table), else as
 * PyCode_Addr2Line() finds it.
 */
static inline int
SysInstr_Line(SysMon *self, PyCodeObject *code, int offset)
{
#if COVCORE_HAS_INSTR_LINES
    CodeRecord *record = code_record(self, code);   /* borrowed */
    if (record != NULL && record->instr_lines != NULL && offset >= 0 && offset / 2 < record->instr_lines->n_units) {
        return record->instr_lines->lines[offset / 2];
    }
#else
    (void)self;
#endif
    return PyCode_Addr2Line(code, offset);
}

#endif /* COVCORE_HAS_SYSMON */

#endif /* COVCORE_SYSINSTR_H */
