/* SysFlow: the arcs a code object can record, read from its bytecode
 * (branch mode of the sys.monitoring core, Python 3.12+).
 *
 * CPython 3.12 and 3.13 fire a line event at an instruction with a line
 * when the instruction executed before it is on another line, has no line,
 * or is the first RESUME; so the last line reported in a frame is the line
 * of its current instruction (or of the last one with a line).  Every arc
 * the settrace core can record is then an edge of the bytecode's
 * control-flow graph, exception edges from protected instructions to their
 * handlers included: between two lines, into an instruction with a line
 * after instructions without one, a backward jump within one line, an
 * entry from the first RESUME, or an exit at a RETURN_VALUE/RETURN_CONST.
 * A yield suspends the frame on its line.  Only an exception leaving the
 * frame is not an edge; it is recorded from the line of the frame's last
 * instruction.  Once all of these arcs are recorded, the code needs no
 * more local events.
 *
 * The model is built in four rooms: flowops.c (what each opcode does, per
 * bytecode family), exctable.c (the exception table), flowwalk.c (the walk
 * over the flow graph, which finds the arcs) and flowindex.c (the arcs by
 * line, for the line events).  This file holds the result and its queries.
 */
#ifndef COVCORE_SYSFLOW_H
#define COVCORE_SYSFLOW_H

#include "util.h"

#if COVCORE_HAS_SYSMON

/* What a line event on one line of the code can bring. */
typedef struct FlowLine {
    uint64_t unique;        /* the only arc into the line, when !reads */
    Py_ssize_t in_start;    /* the arcs into the line: in_arcs[in_start:in_start + in_count] */
    Py_ssize_t in_count;
    Py_ssize_t decode_start;    /* readers: flow->decode[decode_start:decode_start + decode_count] */
    Py_ssize_t decode_count;
    Py_ssize_t served_start;    /* writers: flow->served[served_start:served_start + served_count] */
    Py_ssize_t served_count;
    char reads;             /* arcs come into it from more than one line: the
                             * frame's last written line tells which */
    char writes;            /* its events always fire and write the line as
                             * the frame's last written line */
    char feeds_reader;      /* an arc from it goes into a reading line */
    char has_cleanup;       /* a location on it is a handler's: see `cleanups` */
} FlowLine;

/* For a reading line: the arc that comes in when the frame's last written
 * line is `written`.
 */
typedef struct FlowDecode {
    int written;
    uint64_t key;
} FlowDecode;

/* A location whose line event comes after an exception handler's first
 * instructions, which have no line: the frame was last reported on the
 * line that raised.
 */
typedef struct FlowCleanup {
    Py_ssize_t unit;            /* its code unit */
    Py_ssize_t raise_start;     /* the lines that can raise into it:
                                 * flow->raise_lines[raise_start:raise_start + raise_count] */
    Py_ssize_t raise_count;     /* 0: only its own line can, the arc is (line, line) */
} FlowCleanup;

/* 3.14: a direction of a conditional jump that brings one arc, told by
 * its own event (BRANCH_RIGHT, BRANCH_LEFT) with no line event needed:
 * the jump is on a line the frame is reported on, and the instruction the
 * direction lands on starts another line.  Sorted by (offset, dest).
 */
typedef struct FlowBranch {
    int offset;             /* the jump's byte offset, as the event gives it */
    int dest;               /* where the direction lands (byte offset) */
    uint64_t key;           /* the arc */
} FlowBranch;

typedef struct CodeFlow {
    uint64_t *arcs;         /* owned: PyMem array, sorted, no duplicates */
    Py_ssize_t n_arcs;
    uint64_t *normal;       /* owned: PyMem array, sorted, no duplicates: the
                             * arcs of a frame in which no exception is
                             * caught (the walk without handler edges); the
                             * others come only after an EXCEPTION_HANDLED
                             * event in the frame (see sysdone.h, FLOW_QUIET) */
    Py_ssize_t n_normal;
    FlowBranch *branches;   /* owned: PyMem array (3.14+; NULL for none) */
    Py_ssize_t n_branches;
    char *in_branch;        /* owned: PyMem array parallel to in_arcs: 1 when
                             * a branch event tells that arc (NULL for none);
                             * the readers' needs leave those out (sysdone.h) */
    int *lines;             /* owned: PyMem array, the line of each code unit, -1 for none */
    Py_ssize_t n_units;
    Py_ssize_t resume_unit; /* the code unit of the first RESUME */
    FlowLine *line_info;    /* owned: PyMem array, for lines min_line .. min_line + n_lines - 1 */
    int min_line;
    int n_lines;
    int has_readers;        /* some line reads: frames must be tracked */
    uint64_t *in_arcs;      /* owned: PyMem array, the arcs between two lines, by destination */
    FlowDecode *decode;     /* owned: PyMem array, see FlowLine */
    int *served;            /* owned: PyMem array, for each writer the readers
                             * (indexes into line_info) whose tables name it */
    FlowCleanup *cleanups;  /* owned: PyMem array, the locations reached only
                             * through a handler's instructions without a line
                             * (a comprehension's cleanup handler) */
    Py_ssize_t n_cleanups;
    int *raise_lines;       /* owned: PyMem array, see FlowCleanup */
    int *exit_lines;        /* owned: PyMem array, per code unit without a line,
                             * the line a frame leaving from it was last
                             * reported on, or CODEFLOW_LASTI: the line of its
                             * last instruction (see sysflow.c); for a silent
                             * unit (with a line but no line event, see
                             * flowwalk.c) that can leave the frame, the line
                             * it was reported on; else CODEFLOW_LASTI */
} CodeFlow;

#define CODEFLOW_LASTI INT32_MIN

/* What building a code object's model, or a step of it, comes to. */
typedef enum ModelResult {
    MODEL_FAILED = -1,      /* an error: an exception is set */
    MODEL_OK = 0,           /* built (a step: in the model so far) */
    MODEL_OUTSIDE = 1,      /* not an error: the code is outside the model and
                             * keeps exact events (async generators, async
                             * for, a line event that could bring two
                             * different arcs from one location, a Python
                             * without a flow table, ...) */
} ModelResult;

/* Build the model of `code` into *out (NULL unless MODEL_OK). */
ModelResult CodeFlow_Build(PyCodeObject *code, CodeFlow **out);

void CodeFlow_Free(CodeFlow *flow);

/* What a line event on `line` can bring, or NULL for a line outside the code. */
static inline const FlowLine *
CodeFlow_Line(const CodeFlow *flow, int line)
{
    int index = line - flow->min_line;
    return index >= 0 && index < flow->n_lines ? &flow->line_info[index] : NULL;
}

/* The cleanup location at code unit `unit`, or NULL. */
static inline const FlowCleanup *
CodeFlow_Cleanup(const CodeFlow *flow, Py_ssize_t unit)
{
    for (Py_ssize_t i = 0; i < flow->n_cleanups; i++) {
        if (flow->cleanups[i].unit == unit) {
            return &flow->cleanups[i];
        }
    }
    return NULL;
}

/* Is `key` in the sorted `keys[:n]`?  1 or 0. */
static inline int
CodeFlow_KeysHave(const uint64_t *keys, Py_ssize_t n, uint64_t key)
{
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo < n && keys[lo] == key;
}

/* Is `key` one of the flow's arcs?  1 or 0. */
int CodeFlow_HasArc(const CodeFlow *flow, uint64_t key);

/* The arc the branch event at byte `offset` landing at `dest` brings, or 0. */
uint64_t CodeFlow_BranchArc(const CodeFlow *flow, int offset, int dest);

/* The line a frame of the code was last reported on when an exception
 * leaves it at byte offset `offset`: the line of that instruction, or
 * -co_firstlineno before the first line was reached.
 */
int CodeFlow_LineAt(const CodeFlow *flow, PyCodeObject *code, int offset);

#endif

#endif /* COVCORE_SYSFLOW_H */
