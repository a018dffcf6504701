/* FlowOps: the opcode tables, see flowops.h.
 *
 * A table lists, for one bytecode family, each base opcode whose flow the
 * walk must know; the rest fall through to the next instruction and may
 * raise.  Opcodes from MIN_INSTRUMENTED_OPCODE up (instrumented ones) are
 * outside the model.  tests/test_sysmon_flow.py checks the table against
 * the running interpreter's opcode module (jumps, names).
 */

#include "flowops.h"

#if COVCORE_HAS_SYSMON

/* What every family from 3.12 on shares.  Stack and fast-local moves never
 * raise; instrumented opcodes (from MIN_INSTRUMENTED_OPCODE) are outside.
 */
#define KINDS_SINCE_312                                                     \
    [MIN_INSTRUMENTED_OPCODE ... 255] = K_OUTSIDE,                          \
    [NOP] = K_NORAISE,                                                      \
    [POP_TOP] = K_NORAISE,                                                  \
    [PUSH_NULL] = K_NORAISE,                                                \
    [COPY] = K_NORAISE,                                                     \
    [SWAP] = K_NORAISE,                                                     \
    [END_FOR] = K_NORAISE,                                                  \
    [LOAD_CONST] = K_NORAISE,                                               \
    [LOAD_FAST] = K_NORAISE,                                                \
    [LOAD_FAST_AND_CLEAR] = K_NORAISE,                                      \
    [STORE_FAST] = K_NORAISE,                                               \
    [PUSH_EXC_INFO] = K_NORAISE,                                            \
    [POP_EXCEPT] = K_NORAISE,                                               \
    [EXTENDED_ARG] = K_EXTENDED | K_NORAISE,                                \
    [RESUME] = K_RESUME,                                                    \
    [YIELD_VALUE] = K_YIELD,                                                \
    [RETURN_VALUE] = K_STOP | K_RETURN,                                     \
    [RAISE_VARARGS] = K_STOP,                                               \
    [RERAISE] = K_STOP | K_RERAISE,                                         \
    [JUMP_FORWARD] = K_JUMP | K_STOP | K_NORAISE,                           \
    [JUMP_BACKWARD] = K_JUMP | K_BACKWARD | K_STOP,                         \
    [JUMP_BACKWARD_NO_INTERRUPT] = K_JUMP | K_BACKWARD | K_STOP | K_NORAISE | K_NO_JUMP_EVENT, \
    [POP_JUMP_IF_FALSE] = K_JUMP | K_COND,                                  \
    [POP_JUMP_IF_TRUE] = K_JUMP | K_COND,                                   \
    [POP_JUMP_IF_NONE] = K_JUMP | K_COND,                                   \
    [POP_JUMP_IF_NOT_NONE] = K_JUMP | K_COND,                               \
    [SEND] = K_JUMP,                                                        \
    [FOR_ITER] = K_JUMP | K_FOR_ITER,                                       \
    /* Async generators are left to exact events. */                        \
    [RETURN_GENERATOR] = K_OUTSIDE | K_GENERATOR

/* From 3.13 on: the superinstructions of fast locals. */
#define KINDS_SINCE_313                                                     \
    [LOAD_FAST_LOAD_FAST] = K_NORAISE,                                      \
    [STORE_FAST_LOAD_FAST] = K_NORAISE,                                     \
    [STORE_FAST_STORE_FAST] = K_NORAISE

#if COVCORE_BYTECODE_FAMILY == 312

const FlowOps Flow_ops = {
    .kind = {
        KINDS_SINCE_312,
        [RETURN_CONST] = K_STOP | K_RETURN,
        [END_ASYNC_FOR] = K_OUTSIDE,        /* async for: exact events */
    },
    .cache = CACHE,
    .for_iter_exits = 2,            /* END_FOR, then past it */
    .thrown_at_yield_outside = 0,
    .not_taken = -1,
};

#elif COVCORE_BYTECODE_FAMILY == 313

/* 3.13: ENTER_EXECUTOR, and an END_FOR followed by a POP_TOP. */
const FlowOps Flow_ops = {
    .kind = {
        KINDS_SINCE_312,
        KINDS_SINCE_313,
        [RETURN_CONST] = K_STOP | K_RETURN,
        [END_ASYNC_FOR] = K_OUTSIDE,
        /* A trace's entry point: PyCode_GetCode() puts back the original
         * instruction, so the walk should never meet one.
         */
        [ENTER_EXECUTOR] = K_OUTSIDE,
    },
    .cache = CACHE,
    .for_iter_exits = 3,            /* END_FOR, POP_TOP, then past them */
    .thrown_at_yield_outside = 1,
    .not_taken = -1,
};

#elif COVCORE_BYTECODE_FAMILY == 314 || COVCORE_BYTECODE_FAMILY == 315

/* 3.14 and 3.15 (one table: they differ in opcode numbers, which the
 * headers give, not in flow): RETURN_CONST is gone; NOT_TAKEN (a no-op
 * that carries BRANCH_LEFT), POP_ITER (an END_FOR's iterator dropped),
 * LOAD_SMALL_INT and the borrowing fast-local loads never raise; FOR_ITER
 * ends at its END_FOR and POP_ITER; END_ASYNC_FOR has a jump argument
 * (it names its loop's SEND for BRANCH events) but falls through.
 * ENTER_EXECUTOR (and 3.15's TRACE_RECORD) are numbered among the
 * instrumented opcodes: outside, and never in PyCode_GetCode().
 */
const FlowOps Flow_ops = {
    .kind = {
        KINDS_SINCE_312,
        KINDS_SINCE_313,
        [NOT_TAKEN] = K_NORAISE,
        [POP_ITER] = K_NORAISE,
        [LOAD_SMALL_INT] = K_NORAISE,
        [LOAD_FAST_BORROW] = K_NORAISE,
        [LOAD_FAST_BORROW_LOAD_FAST_BORROW] = K_NORAISE,
        [END_ASYNC_FOR] = K_JUMP | K_OUTSIDE,
    },
    .start = {
        [RESUME] = S_NEVER,
        [END_FOR] = S_NEVER | S_LOOP_END,
        [POP_ITER] = S_NEVER | S_LOOP_END | S_NOT_TARGET,
        [END_SEND] = S_NEVER | S_LOOP_END,
        [END_ASYNC_FOR] = S_NEVER | S_LOOP_END | S_NOT_HANDLER,
        [FOR_ITER] = S_TARGET_PAST,
        [SEND] = S_TARGET_PAST,
    },
    .line_starts = 1,
    .cache = CACHE,
    .for_iter_exits = 3,            /* END_FOR, POP_ITER, then past them */
    .thrown_at_yield_outside = 0,
    .thrown_at_yield_reports = 1,
    .not_taken = NOT_TAKEN,
};

#else

/* No table for this Python yet: nothing is in the model. */
const FlowOps Flow_ops = {
    .kind = {[0 ... 255] = K_OUTSIDE},
    .cache = 0,
    .for_iter_exits = 1,
    .thrown_at_yield_outside = 1,
    .not_taken = -1,
};

#endif

PyObject *
FlowOps_describe(PyObject *module, PyObject *unused)
{
    static const char *const names[] = {
        "JUMP", "BACKWARD", "STOP", "RETURN", "FOR_ITER", "RESUME", "EXTENDED", "OUTSIDE", "YIELD",
        "RERAISE", "NORAISE", "GENERATOR", "NO_JUMP_EVENT", "COND",
    };
    PyObject *kinds = PyDict_New();     /* owned */
#if COVCORE_HAS_FLOW_TABLE
    int first_instrumented = MIN_INSTRUMENTED_OPCODE;
#else
    int first_instrumented = 256;
#endif
    for (int op = 0; kinds != NULL && op < first_instrumented; op++) {
        if (Flow_ops.kind[op] == 0) {
            continue;
        }
        PyObject *bits = PyTuple_New(0);    /* owned */
        for (size_t b = 0; bits != NULL && b < sizeof(names) / sizeof(names[0]); b++) {
            if (Flow_ops.kind[op] & (1 << b)) {
                PyObject *name = PyUnicode_FromString(names[b]);
                if (name == NULL || _PyTuple_Resize(&bits, PyTuple_GET_SIZE(bits) + 1) < 0) {
                    Py_XDECREF(name);
                    Py_CLEAR(bits);
                    break;
                }
                PyTuple_SET_ITEM(bits, PyTuple_GET_SIZE(bits) - 1, name);
            }
        }
        PyObject *key = PyLong_FromLong(op);
        if (bits == NULL || key == NULL || PyDict_SetItem(kinds, key, bits) < 0) {
            Py_CLEAR(kinds);
        }
        Py_XDECREF(key);
        Py_XDECREF(bits);
    }
    if (kinds == NULL) {
        return NULL;
    }
    return Py_BuildValue("{s:i,s:i,s:i,s:i,s:i,s:i,s:N}", "family", COVCORE_BYTECODE_FAMILY, "cache", Flow_ops.cache,
                         "for_iter_exits", Flow_ops.for_iter_exits, "thrown_at_yield_outside",
                         Flow_ops.thrown_at_yield_outside, "line_starts", Flow_ops.line_starts,
                         "not_taken", Flow_ops.not_taken, "kinds", kinds);
}

#endif
