/* SysFlow: the arcs a code object can record, see sysflow.h. */

#include "sysflow.h"

#if COVCORE_HAS_SYSMON

#include "lineset.h"
#include "syswriters.h"

/* What an opcode does to the flow, filled from the opcode module at init. */
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
};

static unsigned short op_kind[256];
static int op_cache = -1;           /* CACHE: an inline cache entry, not an instruction */

/* Instructions FOR_ITER can land on when its iterator is exhausted, counted
 * from its target: 3.12 skips the END_FOR there, 3.13 END_FOR and POP_TOP.
 */
#if PY_VERSION_HEX >= 0x030D0000
#define FOR_ITER_EXITS 3
#else
#define FOR_ITER_EXITS 2
#endif

static int
mark_ops(PyObject *opmap, const char *const *names, unsigned short kind)
{
    for (; *names != NULL; names++) {
        PyObject *num = PyDict_GetItemString(opmap, *names);   /* borrowed */
        if (num == NULL) {
            continue;       /* not in this version */
        }
        long op = PyLong_AsLong(num);
        if (op == -1 && PyErr_Occurred()) {
            return RET_ERROR;
        }
        if (op >= 0 && op < 256) {
            op_kind[op] |= kind;
        }
    }
    return RET_OK;
}

int
SysFlow_init_module(void)
{
    static const char *const stops[] = {
        "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "RETURN_VALUE",
        "RETURN_CONST", "RAISE_VARARGS", "RERAISE", NULL,
    };
    static const char *const returns[] = {"RETURN_VALUE", "RETURN_CONST", NULL};
    static const char *const for_iters[] = {"FOR_ITER", NULL};
    static const char *const resumes[] = {"RESUME", NULL};
    static const char *const extendeds[] = {"EXTENDED_ARG", NULL};
    static const char *const yields[] = {"YIELD_VALUE", NULL};
    static const char *const reraises[] = {"RERAISE", NULL};
    static const char *const noraises[] = {
        "NOP", "POP_TOP", "PUSH_NULL", "COPY", "SWAP", "END_FOR", "LOAD_CONST", "LOAD_FAST",
        "LOAD_FAST_AND_CLEAR", "LOAD_FAST_LOAD_FAST", "STORE_FAST", "STORE_FAST_LOAD_FAST",
        "STORE_FAST_STORE_FAST", "PUSH_EXC_INFO", "POP_EXCEPT", "JUMP_FORWARD",
        "JUMP_BACKWARD_NO_INTERRUPT", "EXTENDED_ARG", NULL,
    };
    /* async for belongs to code the model leaves to the exact slow path. */
    static const char *const outside[] = {
        "RETURN_GENERATOR", "END_ASYNC_FOR", "ENTER_EXECUTOR", NULL,
    };
    int ret = RET_ERROR;
    PyObject *opcode = NULL;    /* owned */
    PyObject *opmap = NULL;     /* owned */
    PyObject *opname = NULL;    /* owned */
    PyObject *jumps = NULL;     /* owned */

    memset(op_kind, 0, sizeof(op_kind));
    opcode = PyImport_ImportModule("opcode");
    if (opcode == NULL) {
        goto error;
    }
    opmap = PyObject_GetAttrString(opcode, "opmap");
    opname = PyObject_GetAttrString(opcode, "opname");
    jumps = PyObject_GetAttrString(opcode, "hasjrel");
    if (opmap == NULL || opname == NULL || jumps == NULL || !PyDict_Check(opmap)
        || !PyList_Check(jumps) || !PyList_Check(opname)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "unexpected opcode module");
        }
        goto error;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(jumps); i++) {
        long op = PyLong_AsLong(PyList_GET_ITEM(jumps, i));
        if (op == -1 && PyErr_Occurred()) {
            goto error;
        }
        if (op < 0 || op >= 256 || op >= PyList_GET_SIZE(opname)) {
            continue;       /* pseudo-instructions never reach the bytecode */
        }
        const char *name = PyUnicode_AsUTF8(PyList_GET_ITEM(opname, op));
        if (name == NULL) {
            goto error;
        }
        op_kind[op] |= K_JUMP | (strstr(name, "BACKWARD") != NULL ? K_BACKWARD : 0);
    }
    /* Opcodes without a name, and instrumented ones, are outside the model. */
    for (Py_ssize_t op = 0; op < 256; op++) {
        const char *name = op < PyList_GET_SIZE(opname) ? PyUnicode_AsUTF8(PyList_GET_ITEM(opname, op)) : "<>";
        if (name == NULL) {
            goto error;
        }
        if (name[0] == '<' || strncmp(name, "INSTRUMENTED_", 13) == 0) {
            op_kind[op] |= K_OUTSIDE;
        }
    }
    PyObject *cache = PyDict_GetItemString(opmap, "CACHE");     /* borrowed */
    op_cache = cache != NULL ? (int)PyLong_AsLong(cache) : -1;
    if (op_cache < 0 || op_cache >= 256) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "unexpected opcode module: no CACHE");
        goto error;
    }
    op_kind[op_cache] &= (unsigned short)~K_OUTSIDE;
    if (mark_ops(opmap, stops, K_STOP) < 0 || mark_ops(opmap, returns, K_RETURN) < 0
        || mark_ops(opmap, for_iters, K_FOR_ITER) < 0 || mark_ops(opmap, resumes, K_RESUME) < 0
        || mark_ops(opmap, extendeds, K_EXTENDED) < 0 || mark_ops(opmap, outside, K_OUTSIDE) < 0
        || mark_ops(opmap, yields, K_YIELD) < 0 || mark_ops(opmap, reraises, K_RERAISE) < 0
        || mark_ops(opmap, noraises, K_NORAISE) < 0) {
        goto error;
    }
    ret = RET_OK;
error:
    Py_XDECREF(jumps);
    Py_XDECREF(opname);
    Py_XDECREF(opmap);
    Py_XDECREF(opcode);
    return ret;
}

void
CodeFlow_Free(CodeFlow *flow)
{
    if (flow != NULL) {
        PyMem_Free(flow->arcs);
        PyMem_Free(flow->lines);
        PyMem_Free(flow->line_info);
        PyMem_Free(flow->in_arcs);
        PyMem_Free(flow->decode);
        PyMem_Free(flow->served);
        PyMem_Free(flow->cleanups);
        PyMem_Free(flow->raise_lines);
        PyMem_Free(flow->exit_lines);
        PyMem_Free(flow);
    }
}

/* The line of each code unit, from co_lines(). */
static int
read_lines(PyCodeObject *code, int *lines, Py_ssize_t n_units)
{
    int ret = RET_ERROR;
    PyObject *iter = NULL;      /* owned */
    PyObject *item = NULL;      /* owned */

    for (Py_ssize_t i = 0; i < n_units; i++) {
        lines[i] = -1;
    }
    PyObject *entries = PyObject_CallMethod((PyObject *)code, "co_lines", NULL);  /* owned */
    if (entries == NULL) {
        goto error;
    }
    iter = PyObject_GetIter(entries);
    Py_DECREF(entries);
    if (iter == NULL) {
        goto error;
    }
    while ((item = PyIter_Next(iter)) != NULL) {
        long start, end;
        PyObject *line;     /* borrowed from item */
        if (!PyArg_ParseTuple(item, "llO", &start, &end, &line)) {
            goto error;
        }
        long value = line == Py_None ? -1 : PyLong_AsLong(line);
        if (value == -1 && PyErr_Occurred()) {
            goto error;
        }
        for (long unit = start / 2; unit < end / 2 && unit < n_units; unit++) {
            if (unit >= 0) {
                lines[unit] = (int)value;
            }
        }
        Py_CLEAR(item);
    }
    if (PyErr_Occurred()) {
        goto error;
    }
    ret = RET_OK;
error:
    Py_XDECREF(item);
    Py_XDECREF(iter);
    return ret;
}

/* The growing, then sorted, list of arcs. */
typedef struct ArcList {
    uint64_t *keys;     /* owned */
    Py_ssize_t n;
    Py_ssize_t alloc;
} ArcList;

static int
add_arc(ArcList *list, int from, int to)
{
    if (list->n == list->alloc) {
        Py_ssize_t alloc = list->alloc ? list->alloc * 2 : 32;
        uint64_t *bigger = PyMem_Realloc(list->keys, (size_t)alloc * sizeof(uint64_t));
        if (bigger == NULL) {
            PyErr_NoMemory();
            return RET_ERROR;
        }
        list->keys = bigger;
        list->alloc = alloc;
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

/* The next instruction after the one at `unit`, past its inline caches. */
static Py_ssize_t
next_instr(const unsigned char *ops, Py_ssize_t n_units, Py_ssize_t unit)
{
    unit++;
    while (unit < n_units && ops[2 * unit] == op_cache) {
        unit++;
    }
    return unit;
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
    ArcList arcs;
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
    if (walk->n_queue == walk->queue_alloc) {
        Py_ssize_t alloc = walk->queue_alloc ? walk->queue_alloc * 2 : 64;
        Py_ssize_t *bigger = PyMem_Realloc(walk->queue, (size_t)alloc * sizeof(Py_ssize_t));
        if (bigger == NULL) {
            PyErr_NoMemory();
            return RET_ERROR;
        }
        walk->queue = bigger;
        walk->queue_alloc = alloc;
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
    if (walk->n_pool == walk->pool_alloc) {
        Py_ssize_t alloc = walk->pool_alloc ? walk->pool_alloc * 2 : 64;
        int *lines = PyMem_Realloc(walk->pool_line, (size_t)alloc * sizeof(int));
        if (lines == NULL) {
            PyErr_NoMemory();
            return RET_ERROR;
        }
        walk->pool_line = lines;
        Py_ssize_t *next = PyMem_Realloc(walk->pool_next, (size_t)alloc * sizeof(Py_ssize_t));
        if (next == NULL) {
            PyErr_NoMemory();
            return RET_ERROR;
        }
        walk->pool_next = next;
        walk->pool_alloc = alloc;
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
    return flow->lines[from] >= 0 && !((op_kind[ops[2 * from]] & K_RERAISE) && ops[2 * from + 1] > 0);
}

/* The edge `from` -> `to` for a frame reported on `from_line`.  `reports`:
 * a line event fires at `to` whatever its line (after RESUME, or after an
 * instruction without a line).
 */
static int
follow_line(CodeFlow *flow, const unsigned char *ops, Walk *walk, Py_ssize_t from, Py_ssize_t to,
            int from_line, int reports, int exception)
{
    int to_line = flow->lines[to];
    if (to_line < 0) {
        if (exception ? (flow->lines[from] >= 0 && (op_kind[ops[2 * from]] & K_RERAISE) && ops[2 * from + 1] > 0)
                      : (flow->lines[from] < 0 && walk->restored[from])) {
            walk->restored[to] = 1;
        }
        int added = pool_add(walk, walk->carry_head, to, from_line);
        if (added < 0) {
            return RET_ERROR;
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
    else if ((op_kind[ops[2 * from]] & K_YIELD) && !exception) {
        /* Suspended: the frame's line is the yield's until it resumes. */
        if (from_line != to_line) {
            return 1;
        }
    }
    else if (reports || from_line != to_line) {
        walk->entered[to] |= from_line == to_line && from != flow->resume_unit ? ENTERED_AGAIN : ENTERED_REPORTING;
        if (flow->lines[from] < 0 && from != flow->resume_unit && !walk->tainted[from] && !exception) {
            /* Through a handler's instructions without a line: its arc is
             * decided when the walk is over (see raise_locations()).
             */
            if (pool_add(walk, walk->raise_head, to, from_line) < 0) {
                return RET_ERROR;
            }
        }
        else {
            walk->entered[to] |= ENTERED_UNRAISED;
            if (add_arc(&walk->arcs, from_line, to_line) < 0) {
                return RET_ERROR;
            }
        }
    }
    else if (to < from && !exception) {
        /* A backward jump within one line reports the line again (JUMP event). */
        if (add_arc(&walk->arcs, from_line, to_line) < 0) {
            return RET_ERROR;
        }
    }
    return RET_OK;
}

/* Follow one edge of the flow graph: record its arcs, queue its target.
 * `exception`: the edge of an exception to its handler (no JUMP event).
 * A line event fires at an instruction with a line when the instruction
 * executed before it is on another line, has no line, or is RESUME; the
 * frame's reported line passes unchanged through instructions without one.
 * RET_OK, RET_ERROR, or 1 when the edge is outside the model.
 */
static int
follow(CodeFlow *flow, PyCodeObject *code, const unsigned char *ops, Walk *walk,
       Py_ssize_t from, Py_ssize_t to, int exception)
{
    if (to < 0 || to >= flow->n_units || ops[2 * to] == op_cache || to <= flow->resume_unit) {
        return 1;
    }
    int rc;
    if (from == flow->resume_unit || flow->lines[from] >= 0) {
        int from_line = from == flow->resume_unit ? -code->co_firstlineno : flow->lines[from];
        if (PY_VERSION_HEX >= 0x030D0000 && exception && (op_kind[ops[2 * from]] & K_YIELD)
            && flow->lines[to] >= 0) {
            /* 3.13 reports the handler of an exception thrown in at a yield
             * on its own line sometimes (after the RESUME) and sometimes
             * not (closing): left to the exact path.
             */
            return 1;
        }
        rc = follow_line(flow, ops, walk, from, to, from_line, from == flow->resume_unit, exception);
        if (rc != RET_OK) {
            return rc;
        }
    }
    else {
        if (walk->carry_head[from] < 0) {
            return 1;
        }
        for (Py_ssize_t k = walk->carry_head[from]; k >= 0; k = walk->pool_next[k]) {
            rc = follow_line(flow, ops, walk, from, to, walk->pool_line[k], 1, exception);
            if (rc != RET_OK) {
                return rc;
            }
        }
    }
    return walk->seen[to] ? RET_OK : walk_push(walk, to);
}

/* One varint of the exception table (3.11+ format: six bits a byte, 0x40
 * for "more follows"), or -1 past the end.
 */
static long
read_varint(const unsigned char *table, Py_ssize_t size, Py_ssize_t *pos)
{
    if (*pos >= size) {
        return -1;
    }
    unsigned char b = table[(*pos)++];
    long value = b & 63;
    while ((b & 64) && *pos < size && value < (1L << 24)) {
        b = table[(*pos)++];
        value = (value << 6) | (b & 63);
    }
    return value;
}

/* One entry of the exception table: code units [start, end) go to `target`. */
typedef struct Handler {
    Py_ssize_t start, end, target;
} Handler;

/* The exception table, or 1 when it does not parse.  RET_OK, 1, RET_ERROR. */
static int
read_handlers(PyCodeObject *code, Py_ssize_t n_units, Handler **out, Py_ssize_t *n_out)
{
    const unsigned char *table = (const unsigned char *)PyBytes_AS_STRING(code->co_exceptiontable);
    Py_ssize_t size = PyBytes_GET_SIZE(code->co_exceptiontable);
    Py_ssize_t pos = 0, n = 0;
    Handler *handlers = PyMem_Malloc((size_t)(size / 4 + 1) * sizeof(Handler));
    if (handlers == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    while (pos < size) {
        long start = read_varint(table, size, &pos);
        long length = read_varint(table, size, &pos);
        long target = read_varint(table, size, &pos);
        long depth_lasti = read_varint(table, size, &pos);
        if (start < 0 || length < 0 || target < 0 || depth_lasti < 0 || start + length > n_units
            || target >= n_units || n >= size / 4 + 1) {
            PyMem_Free(handlers);
            return 1;
        }
        handlers[n].start = start;
        handlers[n].end = start + length;
        handlers[n].target = target;
        n++;
    }
    *out = handlers;
    *n_out = n;
    return RET_OK;
}

/* Walk every instruction in the queue and what it leads to.  RET_OK, 1, RET_ERROR. */
static int
drain(CodeFlow *flow, PyCodeObject *code, const unsigned char *ops, Walk *walk, int resumable)
{
    Py_ssize_t n_units = flow->n_units;
    while (walk->n_queue > 0) {
        Py_ssize_t unit = walk->queue[--walk->n_queue];
        int op = ops[2 * unit];
        int kind = op_kind[op];
        int rc;
        if ((kind & K_OUTSIDE) || ((kind & K_RESUME) && unit != flow->resume_unit && !resumable)) {
            return 1;
        }
        if (flow->lines[unit] < 0 && ((kind & K_RETURN) || ((kind & K_RERAISE) && ops[2 * unit + 1] == 0))) {
            return 1;       /* it would leave the frame from no line */
        }
        Py_ssize_t next = next_instr(ops, n_units, unit);
        if (!(kind & K_STOP)) {
            if (next >= n_units) {
                return 1;
            }
            rc = follow(flow, code, ops, walk, unit, next, 0);
            if (rc != RET_OK) {
                return rc;
            }
        }
        if (kind & K_RETURN && add_arc(&walk->arcs, flow->lines[unit], -code->co_firstlineno) < 0) {
            return RET_ERROR;
        }
        if (kind & K_JUMP) {
            long arg = ops[2 * unit + 1];
            int shift = 8;
            for (Py_ssize_t prefix = unit - 1;
                 prefix >= 0 && (op_kind[ops[2 * prefix]] & K_EXTENDED) && shift < 32;
                 prefix--, shift += 8) {
                arg |= (long)ops[2 * prefix + 1] << shift;
            }
            Py_ssize_t target = (kind & K_BACKWARD) ? next - arg : next + arg;
            int exits = (kind & K_FOR_ITER) ? FOR_ITER_EXITS : 1;
            for (int i = 0; i < exits; i++) {
                rc = follow(flow, code, ops, walk, unit, target, 0);
                if (rc != RET_OK) {
                    return rc;
                }
                target = next_instr(ops, n_units, target);
            }
        }
    }
    return RET_OK;
}

/* Index the arcs between two lines by destination line, and find which
 * lines read the frame's previous line and which must keep it up to date.
 * (An arc into the same line is a backward jump's, reported by a JUMP
 * event; an arc to -co_firstlineno is an exit.)
 */
static int
index_lines(CodeFlow *flow, int exit_line, const ArcList *read)
{
    int lo = INT32_MAX, hi = INT32_MIN;
    Py_ssize_t n_between = 0;
    for (Py_ssize_t i = 0; i < flow->n_arcs; i++) {
        int to = arc_to(flow->arcs[i]);
        if (to != exit_line) {
            lo = to < lo ? to : lo;
            hi = to > hi ? to : hi;
        }
    }
    for (Py_ssize_t i = 0; i < read->n; i++) {
        int from = arc_from(read->keys[i]), to = arc_to(read->keys[i]);
        n_between += to != exit_line && to != from;
    }
    if (lo > hi) {
        lo = hi = 0;
    }
    flow->min_line = lo;
    flow->n_lines = hi - lo + 1;
    flow->line_info = PyMem_Calloc((size_t)flow->n_lines, sizeof(FlowLine));
    flow->in_arcs = PyMem_Malloc(((size_t)n_between + 1) * sizeof(uint64_t));
    if (flow->line_info == NULL || flow->in_arcs == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    for (Py_ssize_t i = 0; i < read->n; i++) {
        int from = arc_from(read->keys[i]), to = arc_to(read->keys[i]);
        if (to != exit_line && to != from) {
            flow->line_info[to - lo].in_count++;
            flow->line_info[to - lo].unique = read->keys[i];
        }
    }
    Py_ssize_t start = 0;
    for (int i = 0; i < flow->n_lines; i++) {
        FlowLine *info = &flow->line_info[i];
        info->in_start = start;
        start += info->in_count;
        info->reads = info->in_count > 1;
        info->in_count = 0;     /* counted again while filling in_arcs */
    }
    for (Py_ssize_t i = 0; i < read->n; i++) {
        int from = arc_from(read->keys[i]), to = arc_to(read->keys[i]);
        if (to != exit_line && to != from) {
            FlowLine *info = &flow->line_info[to - lo];
            flow->in_arcs[info->in_start + info->in_count++] = read->keys[i];
            flow->has_readers |= info->reads;
        }
    }
    for (int i = 0; i < flow->n_lines; i++) {
        const FlowLine *info = &flow->line_info[i];
        for (Py_ssize_t k = 0; info->reads && k < info->in_count; k++) {
            FlowLine *source = (FlowLine *)CodeFlow_Line(flow, arc_from(flow->in_arcs[info->in_start + k]));
            if (source != NULL) {
                source->feeds_reader = 1;
            }
        }
    }
    for (Py_ssize_t i = 0; i < flow->n_cleanups; i++) {
        FlowLine *info = (FlowLine *)CodeFlow_Line(flow, flow->lines[flow->cleanups[i].unit]);
        if (info != NULL) {
            info->has_cleanup = 1;
        }
    }
    return SysFlow_choose_writers(flow, exit_line);
}

static void
sort_unique(ArcList *list)
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

/* Sort out the locations entered through a handler's instructions without
 * a line.  Reached only that way, a location is a *cleanup*: it brings
 * (line, line) when only its own line can raise into it, else the arc from
 * the line that raised (sysevents.c tells it from the frame when the handler
 * is entered), and the frame's last written line becomes its line; its
 * arcs go to `extra`, not to the arcs readers read.  Reached other ways
 * too, its arcs are ordinary ones, unless one of them is (line, line) and
 * another is not: a line event that could bring either is outside the
 * model (1).  RET_OK, 1 or RET_ERROR.
 */
static int
raise_locations(CodeFlow *flow, Walk *walk, ArcList *extra)
{
    Py_ssize_t n_raise_lines = 0;
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
                return 1;
            }
            for (Py_ssize_t k = head; k >= 0; k = walk->pool_next[k]) {
                if (add_arc(&walk->arcs, walk->pool_line[k], line) < 0) {
                    return RET_ERROR;
                }
            }
            continue;
        }
        FlowCleanup *bigger = PyMem_Realloc(flow->cleanups, (size_t)(flow->n_cleanups + 1) * sizeof(FlowCleanup));
        if (bigger == NULL) {
            PyErr_NoMemory();
            return RET_ERROR;
        }
        flow->cleanups = bigger;
        FlowCleanup *cleanup = &flow->cleanups[flow->n_cleanups++];
        cleanup->unit = unit;
        cleanup->raise_start = n_raise_lines;
        cleanup->raise_count = 0;
        for (Py_ssize_t k = head; k >= 0; k = walk->pool_next[k]) {
            if (add_arc(extra, walk->pool_line[k], line) < 0) {
                return RET_ERROR;
            }
            if (!reporting) {
                continue;       /* (line, line) only */
            }
            int *more = PyMem_Realloc(flow->raise_lines, (size_t)(n_raise_lines + 1) * sizeof(int));
            if (more == NULL) {
                PyErr_NoMemory();
                return RET_ERROR;
            }
            flow->raise_lines = more;
            flow->raise_lines[n_raise_lines++] = walk->pool_line[k];
            cleanup->raise_count++;
        }
    }
    return RET_OK;
}

CodeFlow *
CodeFlow_New(PyCodeObject *code)
{
    CodeFlow *result = NULL;
    CodeFlow *flow = NULL;      /* owned */
    PyObject *bytes = NULL;     /* owned */
    char *seen = NULL;          /* owned */
    ArcList extra = {NULL, 0, 0};   /* owned keys: the arcs of cleanup locations, then all */
    Walk walk;                  /* owned: its arrays */
    Handler *handlers = NULL;   /* owned */
    Py_ssize_t n_handlers = 0;
    int rc;

    memset(&walk, 0, sizeof(walk));

    /* Generators and coroutines are in the model, async generators not. */
    int resumable = (code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE)) != 0;
    if ((code->co_flags & COV_RESUMABLE_FLAGS) && !resumable) {
        return NULL;
    }
    bytes = PyCode_GetCode(code);
    if (bytes == NULL) {
        goto error;
    }
    const unsigned char *ops = (const unsigned char *)PyBytes_AS_STRING(bytes);
    Py_ssize_t n_units = PyBytes_GET_SIZE(bytes) / 2;
    flow = PyMem_Calloc(1, sizeof(CodeFlow));
    seen = PyMem_Calloc((size_t)n_units + 1, 1);
    if (flow == NULL || seen == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    flow->n_units = n_units;
    flow->lines = PyMem_Malloc(((size_t)n_units + 1) * sizeof(int));
    if (flow->lines == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (read_lines(code, flow->lines, n_units) < 0) {
        goto error;
    }
    flow->resume_unit = -1;
    for (Py_ssize_t unit = 0; unit < n_units; unit = next_instr(ops, n_units, unit)) {
        if (op_kind[ops[2 * unit]] & K_RESUME) {
            flow->resume_unit = unit;
            break;
        }
    }
    if (flow->resume_unit < 0) {
        goto outside;
    }

    /* Walk the instructions reachable from RESUME, then from the handlers
     * of the protected instructions reached, until nothing new is reached.
     */
    walk.seen = seen;
    walk.carry_head = PyMem_Malloc(((size_t)n_units + 1) * sizeof(Py_ssize_t));
    walk.raise_head = PyMem_Malloc(((size_t)n_units + 1) * sizeof(Py_ssize_t));
    walk.tainted = PyMem_Calloc((size_t)n_units + 1, 1);
    walk.entered = PyMem_Calloc((size_t)n_units + 1, 1);
    walk.exc_done = PyMem_Calloc((size_t)n_units + 1, 1);
    walk.restored = PyMem_Calloc((size_t)n_units + 1, 1);
    flow->exit_lines = PyMem_Malloc(((size_t)n_units + 1) * sizeof(int));
    if (walk.carry_head == NULL || walk.raise_head == NULL || walk.tainted == NULL || walk.entered == NULL || walk.exc_done == NULL || walk.restored == NULL
        || flow->exit_lines == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (Py_ssize_t unit = 0; unit < n_units; unit++) {
        walk.carry_head[unit] = -1;
        walk.raise_head[unit] = -1;
    }
    rc = read_handlers(code, n_units, &handlers, &n_handlers);
    if (rc != RET_OK) {
        goto checked;
    }
    if (walk_push(&walk, flow->resume_unit) < 0) {
        goto error;
    }
    for (int more = 1; more;) {
        rc = drain(flow, code, ops, &walk, resumable);
        if (rc != RET_OK) {
            goto checked;
        }
        more = 0;
        for (Py_ssize_t h = 0; h < n_handlers; h++) {
            for (Py_ssize_t unit = handlers[h].start; unit < handlers[h].end; unit++) {
                /* Instructions without a line that cannot raise have no
                 * exception edge (only an opcode tracer could raise there).
                 */
                int quiet = flow->lines[unit] < 0 && (op_kind[ops[2 * unit]] & K_NORAISE);
                if (seen[unit] && !walk.exc_done[unit] && ops[2 * unit] != op_cache && !quiet) {
                    walk.exc_done[unit] = 1;
                    rc = follow(flow, code, ops, &walk, unit, handlers[h].target, 1);
                    if (rc != RET_OK) {
                        goto checked;
                    }
                    more = 1;
                }
            }
        }
    }
    /* Where a frame leaving from an instruction without a line was last
     * reported: its only carry, or the line of the frame's last
     * instruction, which the handlers re-raising there put back to the
     * instruction that raised; unless a with's exit re-raised on its own
     * line and put back an earlier one.
     */
    for (Py_ssize_t unit = 0; unit < n_units; unit++) {
        Py_ssize_t k = walk.carry_head[unit];
        flow->exit_lines[unit] = k < 0 ? CODEFLOW_LASTI : walk.pool_next[k] < 0 ? walk.pool_line[k] : CODEFLOW_LASTI;
        if (k >= 0 && walk.pool_next[k] >= 0 && walk.restored[unit]) {
            goto outside;
        }
    }
    rc = raise_locations(flow, &walk, &extra);
    if (rc != RET_OK) {
        goto checked;
    }
    /* The arcs between lines: those of ordinary locations, which readers
     * read, and all of them, which complete the code.
     */
    sort_unique(&walk.arcs);
    for (Py_ssize_t i = 0; i < walk.arcs.n; i++) {
        if (add_arc(&extra, arc_from(walk.arcs.keys[i]), arc_to(walk.arcs.keys[i])) < 0) {
            goto error;
        }
    }
    sort_unique(&extra);
    flow->arcs = extra.keys;
    flow->n_arcs = extra.n;
    extra.keys = NULL;
    if (index_lines(flow, -code->co_firstlineno, &walk.arcs) < 0) {
        goto error;
    }
    result = flow;
    flow = NULL;
    goto error;

checked:
    if (rc == RET_ERROR) {
        goto error;
    }
outside:
    /* Not an error: the code keeps the exact slow path. */
error:
    PyMem_Free(extra.keys);
    PyMem_Free(walk.arcs.keys);
    PyMem_Free(walk.queue);
    PyMem_Free(walk.carry_head);
    PyMem_Free(walk.pool_line);
    PyMem_Free(walk.pool_next);
    PyMem_Free(walk.entered);
    PyMem_Free(walk.exc_done);
    PyMem_Free(walk.restored);
    PyMem_Free(walk.raise_head);
    PyMem_Free(walk.tainted);
    PyMem_Free(handlers);
    PyMem_Free(seen);
    CodeFlow_Free(flow);
    Py_XDECREF(bytes);
    return result;
}

int
CodeFlow_HasArc(const CodeFlow *flow, uint64_t key)
{
    Py_ssize_t lo = 0, hi = flow->n_arcs;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (flow->arcs[mid] < key) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo < flow->n_arcs && flow->arcs[lo] == key;
}

int
CodeFlow_LineAt(const CodeFlow *flow, PyCodeObject *code, int offset)
{
    Py_ssize_t unit = offset / 2;
    if (unit <= flow->resume_unit || unit >= flow->n_units || flow->lines[unit] < 0) {
        return -code->co_firstlineno;
    }
    return flow->lines[unit];
}

#endif
