/* FlowWalk: the walk over the flow graph, see flowwalk.h and sysflow.h.
 *
 * The walk starts at the first RESUME and follows every edge: to the next
 * instruction, to a jump's target, and (once the instructions in a
 * handler's range are reached) to the handler.  Through instructions
 * without a line it carries the lines the frame can have been reported on
 * (the *carry*, kept in a *pool* of linked lists); a location reached again
 * with a new carry is walked again, so the walk ends when nothing new is
 * learned.
 */

#include "flowwalk.h"

#if COVCORE_HAS_SYSMON

#include "exctable.h"
#include "flowops.h"
#include "lineset.h"

#include <string.h>

int
ArcList_add(ArcList *list, int from, int to)
{
    if (COV_RESERVE(list->keys, list->n, list->alloc, 32) < 0) {
        return RET_ERROR;
    }
    list->keys[list->n++] = LineSet_ArcKey(from, to);
    return RET_OK;
}

static int
compare_keys(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void
ArcList_sort_unique(ArcList *list)
{
    if (list->n == 0) {
        return;
    }
    qsort(list->keys, (size_t)list->n, sizeof(uint64_t), compare_keys);
    Py_ssize_t kept = 1;
    for (Py_ssize_t i = 1; i < list->n; i++) {
        if (list->keys[kept - 1] != list->keys[i]) {
            list->keys[kept++] = list->keys[i];
        }
    }
    list->n = kept;
}

/* The walk over the reachable instructions. */
typedef struct Walk {
    char *seen;             /* per code unit: queued (again when its carries grow) */
    Py_ssize_t *queue;      /* owned */
    Py_ssize_t n_queue, queue_alloc;
    /* Per code unit without a line: the lines the frame can have been
     * reported on when it gets there, a list in the pool from carry_head.
     */
    Py_ssize_t *carry_head; /* owned: -1 for none */
    int *pool_line;         /* owned */
    Py_ssize_t *pool_next;  /* owned */
    Py_ssize_t n_pool, pool_alloc;
    char *entered;          /* per code unit with a line: ENTERED_* bits */
    char *tainted;          /* per code unit without a line: some way to it does not
                             * start with an exception from an instruction with a
                             * line (see `raise_head`) */
    Py_ssize_t *raise_head; /* per code unit with a line: the lines it is entered
                             * from through instructions without a line, a list
                             * in the pool (-1 for none) */
    char *exc_done;         /* per code unit: its exception edge was followed */
    char *restored;         /* per code unit without a line: reached by an exception
                             * re-raised from a line with the frame's last
                             * instruction put back to an earlier one (a with's exit) */
    ArcList arcs;           /* the arcs of ordinary locations */
    const int *static_lines;    /* per code unit, its line from co_lines(); the walk
                                 * reads flow->lines, where a *silent* unit (see
                                 * find_silent()) has none */
} Walk;

enum {
    ENTERED_REPORTING = 1,  /* from another line: its line event brings an arc into its line */
    ENTERED_AGAIN = 2,      /* from an instruction without a line, on its own line:
                             * its line event brings (line, line) */
    ENTERED_UNRAISED = 4,   /* reported after something other than an exception
                             * handler's instructions without a line (see
                             * `tainted`): the raising line can't tell its arc */
};

static int
walk_push(Walk *walk, Py_ssize_t unit)
{
    if (COV_RESERVE(walk->queue, walk->n_queue, walk->queue_alloc, 64) < 0) {
        return RET_ERROR;
    }
    walk->seen[unit] = 1;
    walk->queue[walk->n_queue++] = unit;
    return RET_OK;
}

/* Add `line` to the pool list at `heads[unit]`: 1 if it is new, 0 if not, RET_ERROR. */
static int
pool_add(Walk *walk, Py_ssize_t *heads, Py_ssize_t unit, int line)
{
    for (Py_ssize_t k = heads[unit]; k >= 0; k = walk->pool_next[k]) {
        if (walk->pool_line[k] == line) {
            return 0;
        }
    }
    /* The two arrays grow together: pool_alloc counts both. */
    Py_ssize_t line_alloc = walk->pool_alloc;
    if (COV_RESERVE(walk->pool_line, walk->n_pool, line_alloc, 64) < 0
        || COV_RESERVE(walk->pool_next, walk->n_pool, walk->pool_alloc, 64) < 0) {
        return RET_ERROR;
    }
    walk->pool_line[walk->n_pool] = line;
    walk->pool_next[walk->n_pool] = heads[unit];
    heads[unit] = walk->n_pool++;
    return 1;
}

/* Is an exception from `from` to its handler one whose raising line (the
 * line of the frame's last instruction when the handler is entered) is the
 * line the frame was last reported on?  Not from an instruction without a
 * line, nor from a re-raise that puts back the instruction of an earlier
 * raise.
 */
static inline int
raise_tells_line(const CodeFlow *flow, const unsigned char *ops, Py_ssize_t from)
{
    return flow->lines[from] >= 0 && !((Flow_kind(ops[2 * from]) & K_RERAISE) && ops[2 * from + 1] > 0);
}

/* The edge `from` -> `to` for a frame reported on `from_line`.  `reports`:
 * a line event fires at `to` whatever its line (after RESUME, or after an
 * instruction without a line).
 */
static ModelResult
follow_line(CodeFlow *flow, const unsigned char *ops, Walk *walk, Py_ssize_t from, Py_ssize_t to,
            int from_line, int reports, int exception)
{
    int to_line = flow->lines[to];
    if (to_line < 0) {
        /* 3.14+ sees the put-back instruction's line at the return event:
         * a re-raise without a line passes it on (a generator's own handler).
         */
        int restores = (Flow_kind(ops[2 * from]) & K_RERAISE) && ops[2 * from + 1] > 0;
        int passes_on = COVCORE_RETURN_LINE_UNREPORTED && walk->restored[from];
        if (exception ? restores && (flow->lines[from] >= 0 || passes_on)
                      : (flow->lines[from] < 0 && walk->restored[from])) {
            walk->restored[to] = 1;
        }
        int added = pool_add(walk, walk->carry_head, to, from_line);
        if (added < 0) {
            return MODEL_FAILED;
        }
        int taint = exception ? !raise_tells_line(flow, ops, from)
                              : flow->lines[from] >= 0 || from == flow->resume_unit || walk->tainted[from];
        if (taint && !walk->tainted[to]) {
            walk->tainted[to] = 1;
            added = 1;
        }
        if (added) {
            walk->seen[to] = 0;     /* walk on from it again with the new carry */
            walk->exc_done[to] = 0;
        }
    }
    else if ((Flow_kind(ops[2 * from]) & K_YIELD) && !exception) {
        /* Suspended: the frame's line is the yield's until it resumes. */
        if (from_line != to_line) {
            return MODEL_OUTSIDE;
        }
    }
    else if (reports || from_line != to_line) {
        walk->entered[to] |= from_line == to_line && from != flow->resume_unit ? ENTERED_AGAIN : ENTERED_REPORTING;
        if (flow->lines[from] < 0 && from != flow->resume_unit && !walk->tainted[from] && !exception) {
            /* Through a handler's instructions without a line: its arc is
             * decided when the walk is over (see raise_locations()).
             */
            if (pool_add(walk, walk->raise_head, to, from_line) < 0) {
                return MODEL_FAILED;
            }
        }
        else {
            walk->entered[to] |= ENTERED_UNRAISED;
            if (ArcList_add(&walk->arcs, from_line, to_line) < 0) {
                return MODEL_FAILED;
            }
        }
    }
    else if (to < from && !exception && !(Flow_kind(ops[2 * from]) & K_NO_JUMP_EVENT)) {
        /* A backward jump within one line reports the line again (JUMP
         * event); the loop of a `yield from` or an `await` sends none.
         */
        if (ArcList_add(&walk->arcs, from_line, to_line) < 0) {
            return MODEL_FAILED;
        }
    }
    return MODEL_OK;
}

/* Follow one edge of the flow graph: record its arcs, queue its target.
 * `exception`: the edge of an exception to its handler (no JUMP event).
 * A line event fires at an instruction with a line when the instruction
 * executed before it is on another line, has no line, or is RESUME; the
 * frame's reported line passes unchanged through instructions without one.
 */
static ModelResult
follow(CodeFlow *flow, PyCodeObject *code, const unsigned char *ops, Walk *walk,
       Py_ssize_t from, Py_ssize_t to, int exception)
{
    if (to < 0 || to >= flow->n_units || ops[2 * to] == Flow_ops.cache || to <= flow->resume_unit) {
        return MODEL_OUTSIDE;
    }
    ModelResult rc;
    if (from == flow->resume_unit || flow->lines[from] >= 0) {
        int from_line = from == flow->resume_unit ? -code->co_firstlineno : flow->lines[from];
        if (Flow_ops.thrown_at_yield_outside && exception && (Flow_kind(ops[2 * from]) & K_YIELD)
            && flow->lines[to] >= 0) {
            return MODEL_OUTSIDE;
        }
        if (exception && Flow_ops.thrown_at_yield_reports && (Flow_kind(ops[2 * from]) & K_YIELD)
            && flow->lines[to] >= 0) {
            /* Thrown in at a yield, into a handler with a line: its line
             * event fires even on the yield's line (after the RESUME), so it
             * is a cleanup location (see raise_locations()).
             */
            walk->entered[to] |= from_line == flow->lines[to] ? ENTERED_AGAIN : ENTERED_REPORTING;
            if (pool_add(walk, walk->raise_head, to, from_line) < 0) {
                return MODEL_FAILED;
            }
        }
        else {
            rc = follow_line(flow, ops, walk, from, to, from_line, from == flow->resume_unit, exception);
            if (rc != MODEL_OK) {
                return rc;
            }
        }
    }
    else {
        if (walk->carry_head[from] < 0) {
            return MODEL_OUTSIDE;
        }
        /* From a silent instruction forward to a line start on its own
         * line, no line event fires (the line did not change): fine when
         * the frame was reported on that line anyway.
         */
        int quiet = walk->static_lines[from] >= 0 && walk->static_lines[from] == flow->lines[to] && to > from;
        for (Py_ssize_t k = walk->carry_head[from]; k >= 0; k = walk->pool_next[k]) {
            if (quiet && walk->pool_line[k] != flow->lines[to]) {
                return MODEL_OUTSIDE;
            }
            rc = follow_line(flow, ops, walk, from, to, walk->pool_line[k], !quiet, exception);
            if (rc != MODEL_OK) {
                return rc;
            }
        }
    }
    return walk->seen[to] || walk_push(walk, to) == RET_OK ? MODEL_OK : MODEL_FAILED;
}

/* Walk every instruction in the queue and what it leads to. */
static ModelResult
drain(CodeFlow *flow, PyCodeObject *code, const unsigned char *ops, Walk *walk, int resumable)
{
    Py_ssize_t n_units = flow->n_units;
    while (walk->n_queue > 0) {
        Py_ssize_t unit = walk->queue[--walk->n_queue];
        int op = ops[2 * unit];
        int kind = Flow_kind(op);
        ModelResult rc;
        if ((kind & K_OUTSIDE) || ((kind & K_RESUME) && unit != flow->resume_unit && !resumable)) {
            return MODEL_OUTSIDE;
        }
        int silent = flow->lines[unit] < 0 && walk->static_lines[unit] >= 0;
        int exit_line = silent ? walk->static_lines[unit] : flow->lines[unit];
        if (!silent && flow->lines[unit] < 0
            && ((kind & K_RETURN) || ((kind & K_RERAISE) && ops[2 * unit + 1] == 0))) {
            return MODEL_OUTSIDE;   /* it would leave the frame from no line */
        }
        if (silent && (kind & K_RETURN)) {
            /* Returning from a silent instruction: settrace sees its line at
             * the return event, after the line the frame was reported on
             * (see sysevents.c; an exception leaving from one brings the
             * same arcs, but they are not edges).
             */
            for (Py_ssize_t k = walk->carry_head[unit]; k >= 0; k = walk->pool_next[k]) {
                if (walk->pool_line[k] != exit_line && ArcList_add(&walk->arcs, walk->pool_line[k], exit_line) < 0) {
                    return MODEL_FAILED;
                }
            }
        }
        Py_ssize_t next = Flow_next_instr(ops, n_units, unit);
        if (!(kind & K_STOP)) {
            if (next >= n_units) {
                return MODEL_OUTSIDE;
            }
            rc = follow(flow, code, ops, walk, unit, next, 0);
            if (rc != MODEL_OK) {
                return rc;
            }
        }
        if (kind & K_RETURN && ArcList_add(&walk->arcs, exit_line, -code->co_firstlineno) < 0) {
            return MODEL_FAILED;
        }
        if (kind & K_JUMP) {
            Py_ssize_t target = Flow_jump_target(ops, unit, next);
            int exits = (kind & K_FOR_ITER) ? Flow_ops.for_iter_exits : 1;
            for (int i = 0; i < exits; i++) {
                rc = follow(flow, code, ops, walk, unit, target, 0);
                if (rc != MODEL_OK) {
                    return rc;
                }
                target = Flow_next_instr(ops, n_units, target);
            }
        }
    }
    return MODEL_OK;
}

/* Sort out the locations entered through a handler's instructions without
 * a line.  Reached only that way, a location is a *cleanup*: it brings
 * (line, line) when only its own line can raise into it, else the arc from
 * the line that raised (sysevents.c tells it from the frame when the handler
 * is entered), and the frame's last written line becomes its line; its
 * arcs go to `extra`, not to the arcs readers read.  Reached other ways
 * too, its arcs are ordinary ones, unless one of them is (line, line) and
 * another is not: a line event that could bring either is outside the
 * model.
 */
static ModelResult
raise_locations(CodeFlow *flow, Walk *walk, ArcList *extra)
{
    Py_ssize_t n_raise_lines = 0, raise_alloc = 0, cleanups_alloc = 0;
    for (Py_ssize_t unit = 0; unit < flow->n_units; unit++) {
        int line = flow->lines[unit];
        Py_ssize_t head = walk->raise_head[unit];
        if (line < 0 || head < 0) {
            continue;
        }
        int entered = walk->entered[unit];
        int again = (entered & ENTERED_AGAIN) != 0, reporting = (entered & ENTERED_REPORTING) != 0;
        if (entered & ENTERED_UNRAISED) {
            if (again && reporting) {
                return MODEL_OUTSIDE;
            }
            for (Py_ssize_t k = head; k >= 0; k = walk->pool_next[k]) {
                if (ArcList_add(&walk->arcs, walk->pool_line[k], line) < 0) {
                    return MODEL_FAILED;
                }
            }
            continue;
        }
        if (COV_RESERVE(flow->cleanups, flow->n_cleanups, cleanups_alloc, 8) < 0) {
            return MODEL_FAILED;
        }
        FlowCleanup *cleanup = &flow->cleanups[flow->n_cleanups++];
        cleanup->unit = unit;
        cleanup->raise_start = n_raise_lines;
        cleanup->raise_count = 0;
        for (Py_ssize_t k = head; k >= 0; k = walk->pool_next[k]) {
            if (ArcList_add(extra, walk->pool_line[k], line) < 0) {
                return MODEL_FAILED;
            }
            if (!reporting) {
                continue;       /* (line, line) only */
            }
            if (COV_RESERVE(flow->raise_lines, n_raise_lines, raise_alloc, 16) < 0) {
                return MODEL_FAILED;
            }
            flow->raise_lines[n_raise_lines++] = walk->pool_line[k];
            cleanup->raise_count++;
        }
    }
    return MODEL_OK;
}

static int
walk_init(Walk *walk, Py_ssize_t n_units)
{
    size_t n = (size_t)n_units + 1;
    memset(walk, 0, sizeof(*walk));
    walk->seen = PyMem_Calloc(n, 1);
    walk->carry_head = PyMem_Malloc(n * sizeof(Py_ssize_t));
    walk->raise_head = PyMem_Malloc(n * sizeof(Py_ssize_t));
    walk->tainted = PyMem_Calloc(n, 1);
    walk->entered = PyMem_Calloc(n, 1);
    walk->exc_done = PyMem_Calloc(n, 1);
    walk->restored = PyMem_Calloc(n, 1);
    if (walk->seen == NULL || walk->carry_head == NULL || walk->raise_head == NULL || walk->tainted == NULL
        || walk->entered == NULL || walk->exc_done == NULL || walk->restored == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    for (Py_ssize_t unit = 0; unit < n_units; unit++) {
        walk->carry_head[unit] = -1;
        walk->raise_head[unit] = -1;
    }
    return RET_OK;
}

static void
walk_free(Walk *walk)
{
    PyMem_Free(walk->seen);
    PyMem_Free(walk->queue);
    PyMem_Free(walk->carry_head);
    PyMem_Free(walk->pool_line);
    PyMem_Free(walk->pool_next);
    PyMem_Free(walk->entered);
    PyMem_Free(walk->tainted);
    PyMem_Free(walk->raise_head);
    PyMem_Free(walk->exc_done);
    PyMem_Free(walk->restored);
    PyMem_Free(walk->arcs.keys);
}

/* Follow the exception edges of the protected instructions reached since
 * the last time; *more tells whether there were any.
 */
static ModelResult
follow_handlers(CodeFlow *flow, PyCodeObject *code, const unsigned char *ops, Walk *walk, const ExcTable *table,
                int *more)
{
    *more = 0;
    for (Py_ssize_t h = 0; h < table->n; h++) {
        const Handler *handler = &table->handlers[h];
        for (Py_ssize_t unit = handler->start; unit < handler->end; unit++) {
            /* Instructions without a line that cannot raise have no
             * exception edge (only an opcode tracer could raise there).
             */
            int quiet = flow->lines[unit] < 0 && (Flow_kind(ops[2 * unit]) & K_NORAISE);
            if (walk->seen[unit] && !walk->exc_done[unit] && ops[2 * unit] != Flow_ops.cache && !quiet) {
                walk->exc_done[unit] = 1;
                ModelResult rc = follow(flow, code, ops, walk, unit, handler->target, 1);
                if (rc != MODEL_OK) {
                    return rc;
                }
                *more = 1;
            }
        }
    }
    return MODEL_OK;
}

/* Where a frame leaving from an instruction without a line was last
 * reported: its only carry, or the line of the frame's last instruction,
 * which the handlers re-raising there put back to the instruction that
 * raised; unless a with's exit re-raised on its own line and put back an
 * earlier one, which is outside the model.
 */
static ModelResult
find_exit_lines(CodeFlow *flow, const unsigned char *ops, const Walk *walk)
{
    flow->exit_lines = PyMem_Malloc(((size_t)flow->n_units + 1) * sizeof(int));
    if (flow->exit_lines == NULL) {
        PyErr_NoMemory();
        return MODEL_FAILED;
    }
    for (Py_ssize_t unit = 0; unit < flow->n_units; unit++) {
        Py_ssize_t k = walk->carry_head[unit];
        int single = k >= 0 && walk->pool_next[k] < 0;
        if (k >= 0 && !single && walk->restored[unit]) {
            return MODEL_OUTSIDE;
        }
        int kind = Flow_kind(ops[2 * unit]);
        if (k >= 0 && !single && walk->static_lines[unit] >= 0 && ((kind & K_RETURN) || !(kind & K_NORAISE))) {
            return MODEL_OUTSIDE;   /* a silent exit, from one of several lines */
        }
        flow->exit_lines[unit] = single ? walk->pool_line[k] : CODEFLOW_LASTI;
    }
    return MODEL_OK;
}

/* Where line events cannot fire although the line changes (3.14): an
 * instruction that starts no line (see FlowOps.start), in the run after a
 * loop's END_FOR and POP_ITER up to the next line start, is *silent*: the
 * frame is still reported on the loop's line there.  The walk reads
 * `walk_lines`: co_lines()' lines without those of silent instructions, so
 * it carries the reported line through them as through instructions
 * without a line.  RET_OK, or RET_ERROR with an exception set.
 */
static int
find_silent(const CodeFlow *flow, const unsigned char *ops, const ExcTable *table, int *walk_lines)
{
    Py_ssize_t n_units = flow->n_units;
    char *jumped_to = PyMem_Calloc((size_t)n_units + 1, 1);    /* owned: a jump or a handler starts a line */
    if (jumped_to == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    for (Py_ssize_t unit = flow->resume_unit; unit < n_units; unit = Flow_next_instr(ops, n_units, unit)) {
        int op = ops[2 * unit], kind = Flow_kind(op);
        if ((kind & K_JUMP) && !(kind & K_OUTSIDE)) {
            Py_ssize_t target = Flow_jump_target(ops, unit, Flow_next_instr(ops, n_units, unit));
            target += (Flow_ops.start[op] & S_TARGET_PAST) != 0;
            if (target >= 0 && target < n_units && !(Flow_ops.start[ops[2 * target]] & S_NOT_TARGET)) {
                jumped_to[target] = 1;
            }
        }
    }
    for (Py_ssize_t h = 0; h < table->n; h++) {
        Py_ssize_t target = table->handlers[h].target;
        if (target >= 0 && target < n_units && !(Flow_ops.start[ops[2 * target]] & S_NOT_HANDLER)) {
            jumped_to[target] = 1;
        }
    }
    int current = -1, after_loop = 0;
    for (Py_ssize_t unit = flow->resume_unit; unit < n_units; unit = Flow_next_instr(ops, n_units, unit)) {
        unsigned char start = Flow_ops.start[ops[2 * unit]];
        if (start & S_NEVER) {
            after_loop |= (start & S_LOOP_END) != 0;
            continue;
        }
        int line = flow->lines[unit];
        if (line >= 0 && (line != current || jumped_to[unit])) {
            after_loop = 0;         /* a line start */
        }
        else if (after_loop && line >= 0) {
            walk_lines[unit] = -1;
        }
        current = line;
    }
    PyMem_Free(jumped_to);
    return RET_OK;
}

/* 3.14: the directions of the conditional jumps and FOR_ITERs reached
 * that bring one arc of `all` each (see FlowBranch): the instruction has a
 * line the walk reports it on (not silent), and the direction lands on a
 * line start of another line: a conditional jump's target (BRANCH_RIGHT)
 * or what follows its NOT_TAKEN (BRANCH_LEFT), an exhausted FOR_ITER's
 * exit past its END_FOR and POP_ITER (BRANCH_RIGHT) or the instruction
 * after it (BRANCH_LEFT).  flow->lines are the walk's lines.
 */
static int
find_branches(CodeFlow *flow, const unsigned char *ops, const Walk *walk, const ArcList *all)
{
    if (Flow_ops.not_taken < 0) {
        return RET_OK;
    }
    Py_ssize_t n_units = flow->n_units, alloc = 0;
    for (Py_ssize_t unit = flow->resume_unit + 1; unit < n_units; unit++) {
        int kind = Flow_kind(ops[2 * unit]);
        int line = flow->lines[unit];
        if (!(kind & (K_COND | K_FOR_ITER)) || !walk->seen[unit] || line < 0) {
            continue;
        }
        Py_ssize_t next = Flow_next_instr(ops, n_units, unit);
        Py_ssize_t dests[2] = {-1, -1};
        if (kind & K_FOR_ITER) {
            dests[0] = next;
        }
        else if (next < n_units && ops[2 * next] == Flow_ops.not_taken
                 && (flow->lines[next] == line || flow->lines[next] < 0)) {
            dests[0] = Flow_next_instr(ops, n_units, next);
        }
        dests[1] = Flow_jump_target(ops, unit, next);
        for (int i = 1; (kind & K_FOR_ITER) && i < Flow_ops.for_iter_exits && dests[1] < n_units; i++) {
            dests[1] = Flow_next_instr(ops, n_units, dests[1]);
        }
        if (dests[0] > dests[1]) {
            Py_ssize_t swap = dests[0];
            dests[0] = dests[1];
            dests[1] = swap;
        }
        for (int d = 0; d < 2; d++) {
            Py_ssize_t to = dests[d];
            if (to < 0 || to >= n_units || flow->lines[to] < 0 || flow->lines[to] == line) {
                continue;
            }
            uint64_t key = LineSet_ArcKey(line, flow->lines[to]);
            if (!CodeFlow_KeysHave(all->keys, all->n, key)) {
                continue;
            }
            if (COV_RESERVE(flow->branches, flow->n_branches, alloc, 16) < 0) {
                return RET_ERROR;
            }
            FlowBranch *branch = &flow->branches[flow->n_branches++];
            branch->offset = (int)(2 * unit);
            branch->dest = (int)(2 * to);
            branch->key = key;
        }
    }
    return RET_OK;
}

ModelResult
FlowWalk_Run(CodeFlow *flow, PyCodeObject *code, const unsigned char *ops, ArcList *ordinary, ArcList *all,
             ArcList *normal)
{
    /* Generators and coroutines resume at a RESUME after their first. */
    int resumable = (code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE)) != 0;
    ExcTable table = {NULL, 0};
    ArcList extra = {NULL, 0, 0};   /* the arcs of cleanup locations, then all */
    ArcList plain = {NULL, 0, 0};   /* the arcs before any handler is followed */
    Walk walk;

    ModelResult rc = walk_init(&walk, flow->n_units) == RET_OK ? MODEL_OK : MODEL_FAILED;
    if (rc == MODEL_OK) {
        rc = ExcTable_Read(code, flow->n_units, &table);
    }
    /* The walk reads its own lines (see find_silent()); the model keeps co_lines()' afterwards. */
    int *static_lines = flow->lines;
    int *walk_lines = NULL;     /* owned */
    walk.static_lines = static_lines;
    if (rc == MODEL_OK && Flow_ops.line_starts) {
        walk_lines = PyMem_Malloc(((size_t)flow->n_units + 1) * sizeof(int));
        if (walk_lines == NULL) {
            PyErr_NoMemory();
            rc = MODEL_FAILED;
        }
        else {
            memcpy(walk_lines, static_lines, (size_t)flow->n_units * sizeof(int));
            flow->lines = walk_lines;
            if (find_silent(flow, ops, &table, walk_lines) < 0) {
                rc = MODEL_FAILED;
            }
        }
    }
    if (rc == MODEL_OK && walk_push(&walk, flow->resume_unit) < 0) {
        rc = MODEL_FAILED;
    }
    /* From RESUME, then from the handlers of the protected instructions
     * reached, until nothing new is reached.  What the first drain finds
     * is what a frame in which no exception is caught can record: the
     * walk has followed no exception edge yet.
     */
    for (int more = 1, first = 1; rc == MODEL_OK && more; first = 0) {
        rc = drain(flow, code, ops, &walk, resumable);
        for (Py_ssize_t i = 0; first && rc == MODEL_OK && i < walk.arcs.n; i++) {
            uint64_t key = walk.arcs.keys[i];
            if (ArcList_add(&plain, arc_from(key), arc_to(key)) < 0) {
                rc = MODEL_FAILED;
            }
        }
        if (rc == MODEL_OK) {
            rc = follow_handlers(flow, code, ops, &walk, &table, &more);
        }
    }
    if (rc == MODEL_OK) {
        rc = find_exit_lines(flow, ops, &walk);
    }
    if (rc == MODEL_OK) {
        rc = raise_locations(flow, &walk, &extra);
    }
    if (rc == MODEL_OK) {
        ArcList_sort_unique(&walk.arcs);
        for (Py_ssize_t i = 0; rc == MODEL_OK && i < walk.arcs.n; i++) {
            uint64_t key = walk.arcs.keys[i];
            if (ArcList_add(&extra, arc_from(key), arc_to(key)) < 0) {
                rc = MODEL_FAILED;
            }
        }
    }
    if (rc == MODEL_OK) {
        ArcList_sort_unique(&extra);
        ArcList_sort_unique(&plain);
        if (find_branches(flow, ops, &walk, &extra) < 0) {
            rc = MODEL_FAILED;
        }
    }
    if (rc == MODEL_OK) {
        *ordinary = walk.arcs;
        *all = extra;
        *normal = plain;
        walk.arcs.keys = NULL;
        extra.keys = NULL;
        plain.keys = NULL;
    }
    flow->lines = static_lines;
    PyMem_Free(walk_lines);
    PyMem_Free(extra.keys);
    PyMem_Free(plain.keys);
    walk_free(&walk);
    ExcTable_Clear(&table);
    return rc;
}

#endif
