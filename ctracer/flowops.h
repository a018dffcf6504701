/* FlowOps: what each opcode does to the flow of its code, one table per
 * bytecode family (util.h's COVCORE_BYTECODE_FAMILY), for the walk of
 * sysflow's model.
 *
 * The walk reads bytecode as PyCode_GetCode() gives it: base instructions
 * only, without specializations or instrumentation, so a table names the
 * base opcodes whose flow is not "falls through, may raise".
 *
 * Adding a Python version is adding a table to flowops.c (and a family to
 * util.h); the walk itself does not know version numbers.
 */
#ifndef COVCORE_FLOWOPS_H
#define COVCORE_FLOWOPS_H

#include "util.h"

#if COVCORE_HAS_SYSMON

/* The running Python has a table: without one, every code object is
 * outside the model and keeps exact events.
 */
#define COVCORE_HAS_FLOW_TABLE (COVCORE_BYTECODE_FAMILY != 0)

enum {
    K_JUMP = 1 << 0,        /* has a jump target (relative) */
    K_BACKWARD = 1 << 1,    /* ... behind it */
    K_STOP = 1 << 2,        /* never falls through to the next instruction */
    K_RETURN = 1 << 3,      /* returns from the frame: an exit arc */
    K_FOR_ITER = 1 << 4,    /* leaves its loop past the END_FOR at its target */
    K_RESUME = 1 << 5,
    K_EXTENDED = 1 << 6,    /* EXTENDED_ARG: a prefix of the next instruction */
    K_OUTSIDE = 1 << 7,     /* outside the model: the code keeps its events */
    K_YIELD = 1 << 8,       /* suspends the frame; it resumes at the next instruction */
    K_RERAISE = 1 << 9,
    K_NORAISE = 1 << 10,    /* never raises: moves values between the stack and fast locals */
    K_GENERATOR = 1 << 11,  /* makes the generator: its body starts at the next RESUME
                             * (3.15 runs a generator expression's GET_ITER before it) */
    K_NO_JUMP_EVENT = 1 << 12,  /* a jump sys.monitoring never reports (it has no
                                 * instrumented twin): the loop of `yield from`
                                 * and `await` brings no (line, line) arc */
    K_COND = 1 << 13,       /* a conditional jump (POP_JUMP_IF_*): 3.14 reports
                             * its directions as BRANCH_RIGHT and BRANCH_LEFT */
};

/* Where line events can fire (3.14, see `line_starts`). */
enum {
    S_NEVER = 1 << 0,       /* never starts a line, nor changes the line the
                             * next instruction is compared with */
    S_LOOP_END = 1 << 1,    /* ends a loop (END_FOR, POP_ITER, END_SEND) */
    S_TARGET_PAST = 1 << 2, /* its jump starts a line one past its target */
    S_NOT_TARGET = 1 << 3,  /* a jump to it does not start a line */
    S_NOT_HANDLER = 1 << 4, /* as a handler, it does not start a line */
};

typedef struct FlowOps {
    unsigned short kind[256];   /* K_* bits, by opcode */
    /* S_* bits, by opcode, read when `line_starts` is set: 3.14 fires a
     * line event only at an instruction marked as a line start (its line
     * differs from the one before it in the bytecode, or a jump or a
     * handler lands on it), so code after a loop's END_FOR and POP_ITER on
     * the line the loop's body ended on runs silently.
     */
    unsigned char start[256];
    int line_starts;
    unsigned char cache;        /* CACHE: an inline cache entry, not an instruction */
    /* The instructions FOR_ITER can land on when its iterator is exhausted,
     * counted from its target (its END_FOR and what follows it).
     */
    int for_iter_exits;
    /* The handler of an exception thrown into a frame at a yield is
     * reported on its own line sometimes (after the RESUME) and sometimes
     * not (closing): such code keeps exact events.
     */
    int thrown_at_yield_outside;
    /* 3.14: a thrown exception (throw(), and close() too) resumes the frame
     * at the RESUME after its yield, and a line event after a RESUME fires
     * even on the same line: a handler with a line is always reported.
     */
    int thrown_at_yield_reports;
    /* 3.14: the NOT_TAKEN after a conditional jump, where its BRANCH_LEFT
     * event is reported (-1: none).
     */
    int not_taken;
} FlowOps;

/* The table of the running Python. */
extern const FlowOps Flow_ops;

static inline int
Flow_kind(unsigned char op)
{
    return Flow_ops.kind[op];
}

/* The instruction after the one at `unit`, past its inline caches. */
static inline Py_ssize_t
Flow_next_instr(const unsigned char *ops, Py_ssize_t n_units, Py_ssize_t unit)
{
    unit++;
    while (unit < n_units && ops[2 * unit] == Flow_ops.cache) {
        unit++;
    }
    return unit;
}

/* The target of the jump at `unit`, whose next instruction is at `next`,
 * its argument extended by the EXTENDED_ARG prefixes before it.
 */
static inline Py_ssize_t
Flow_jump_target(const unsigned char *ops, Py_ssize_t unit, Py_ssize_t next)
{
    long arg = ops[2 * unit + 1];
    int shift = 8;
    for (Py_ssize_t prefix = unit - 1; prefix >= 0 && (Flow_kind(ops[2 * prefix]) & K_EXTENDED) && shift < 32;
         prefix--, shift += 8) {
        arg |= (long)ops[2 * prefix + 1] << shift;
    }
    return (Flow_kind(ops[2 * unit]) & K_BACKWARD) ? next - (Py_ssize_t)arg : next + (Py_ssize_t)arg;
}

/* The table as Python sees it, for tests: {"family": 312,
 * "for_iter_exits": 2, "line_starts": 0, ..., "kinds": {opcode: ("JUMP", "STOP"), ...}} for
 * the opcodes below MIN_INSTRUMENTED_OPCODE with a kind.  New reference,
 * or NULL with an exception set.
 */
PyObject *FlowOps_describe(PyObject *module, PyObject *unused);

#endif

#endif /* COVCORE_FLOWOPS_H */
