/* Which code objects are fully covered, see codelines.h. */

#include "codelines.h"
#include "coderecord.h"

/* Kept in the record of each code object a core has asked about. */
struct CodeLines {
    int *lines;             /* owned: the lines the code can report */
    Py_ssize_t n_lines;
    uint64_t serial;        /* the LineSet last checked against (0: none) */
    uint64_t version;       /* its version then */
    Py_ssize_t missing;     /* the lines that were not in it */
};

void
CodeLines_Free(CodeLines *cl)
{
    if (cl != NULL) {
        PyMem_RawFree(cl->lines);
        PyMem_RawFree(cl);
    }
}

static int
compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Sort the lines and keep each once: O(n log n), so that a module of a
 * million lines is read in moments, not hours.
 */
static void
drop_repeats(CodeLines *cl)
{
    if (cl->n_lines < 2) {
        return;
    }
    qsort(cl->lines, (size_t)cl->n_lines, sizeof(int), compare_ints);
    Py_ssize_t kept = 1;
    for (Py_ssize_t i = 1; i < cl->n_lines; i++) {
        if (cl->lines[i] != cl->lines[kept - 1]) {
            cl->lines[kept++] = cl->lines[i];
        }
    }
    cl->n_lines = kept;
}

/* Keep `line`, unless it is the one just kept.  RET_OK or RET_ERROR. */
static int
keep_line(CodeLines *cl, Py_ssize_t *alloc, int line)
{
    if (cl->n_lines > 0 && cl->lines[cl->n_lines - 1] == line) {
        return RET_OK;
    }
    if (COV_RESERVE_RAW(cl->lines, cl->n_lines, *alloc, 16) < 0) {
        return RET_ERROR;
    }
    cl->lines[cl->n_lines++] = line;
    return RET_OK;
}

#if COVCORE_HAS_LOCATION_TABLE

/* The location table is a run of entries, each a first byte with its top
 * bit set (a 4-bit kind, and the number of code units it covers, less one)
 * and the kind's further bytes, whose top bits are clear.  Numbers are
 * varints of 6-bit groups, low group first, bit 6 set when another group
 * follows; a signed one keeps its sign in the lowest bit.
 */
enum {
    LOC_ONE_LINE_FIRST = 10,    /* 10-12: the line moves by kind - 10; two column bytes */
    LOC_ONE_LINE_LAST = 12,
    LOC_NO_COLUMNS = 13,        /* a signed line delta */
    LOC_LONG = 14,              /* a signed line delta, then three varints */
    LOC_NONE = 15,              /* no location: no line */
};                              /* 0-9: the same line, one column byte */

static int
read_varint(const unsigned char **pos, const unsigned char *end, unsigned int *value)
{
    unsigned int result = 0;
    for (int shift = 0; *pos < end && shift < 32; shift += 6) {
        unsigned int byte = *(*pos)++;
        result |= (byte & 63) << shift;
        if (!(byte & 64)) {
            *value = result;
            return RET_OK;
        }
    }
    return RET_ERROR;
}

static int
read_signed(const unsigned char **pos, const unsigned char *end, int *value)
{
    unsigned int raw = 0;
    if (read_varint(pos, end, &raw) < 0) {
        return RET_ERROR;
    }
    *value = (raw & 1) ? -(int)(raw >> 1) : (int)(raw >> 1);
    return RET_OK;
}

/* Called for each entry of a location table, in table order: the entry
 * covers byte offsets [begin, end) and has `line` (-1: none).  RET_OK or
 * RET_ERROR.
 */
typedef int (*TableVisit)(void *ctx, Py_ssize_t begin, Py_ssize_t end, int line);

/* The entries co_lines() would give, straight from the table: no tuple per
 * entry.  RET_OK, or RET_ERROR with an exception set (a table this reader
 * does not know, or `visit` failed).
 */
static int
walk_table(PyCodeObject *code, TableVisit visit, void *ctx)
{
    PyObject *table = code->co_linetable;       /* borrowed */
    if (!PyBytes_Check(table)) {
        PyErr_SetString(PyExc_SystemError, "covcore: a code object's co_linetable is not bytes");
        return RET_ERROR;
    }
    const unsigned char *pos = (const unsigned char *)PyBytes_AS_STRING(table);
    const unsigned char *end = pos + PyBytes_GET_SIZE(table);
    Py_ssize_t offset = 0;
    int line = code->co_firstlineno;
    while (pos < end) {
        unsigned int first = *pos++;
        if (!(first & 128)) {
            goto bad;
        }
        int kind = (first >> 3) & 15, delta = 0;
        unsigned int ignored = 0;
        Py_ssize_t begin = offset;
        offset += (Py_ssize_t)((first & 7) + 1) * 2;
        switch (kind) {
        case LOC_NONE:
            if (visit(ctx, begin, offset, -1) < 0) {
                return RET_ERROR;
            }
            continue;
        case LOC_LONG:
            if (read_signed(&pos, end, &delta) < 0 || read_varint(&pos, end, &ignored) < 0
                || read_varint(&pos, end, &ignored) < 0 || read_varint(&pos, end, &ignored) < 0) {
                goto bad;
            }
            break;
        case LOC_NO_COLUMNS:
            if (read_signed(&pos, end, &delta) < 0) {
                goto bad;
            }
            break;
        default:
            if (kind >= LOC_ONE_LINE_FIRST && kind <= LOC_ONE_LINE_LAST) {
                delta = kind - LOC_ONE_LINE_FIRST;
                pos += 2;
            }
            else {
                pos += 1;
            }
            break;
        }
        line += delta;
        if (visit(ctx, begin, offset, line) < 0) {
            return RET_ERROR;
        }
    }
    if (pos == end) {
        return RET_OK;
    }
bad:
    PyErr_SetString(PyExc_SystemError, "covcore: a code object's location table is not as expected");
    return RET_ERROR;
}

typedef struct KeepFrom {
    CodeLines *cl;
    Py_ssize_t alloc;
    Py_ssize_t start;       /* the body's first byte offset */
} KeepFrom;

static int
keep_entry(void *ctx, Py_ssize_t begin, Py_ssize_t end, int line)
{
    KeepFrom *keep = ctx;
    (void)begin;
    if (line < 0 || end <= keep->start) {
        return RET_OK;
    }
    return keep_line(keep->cl, &keep->alloc, line);
}

/* The lines co_lines() would give from byte offset `start` on, in table
 * order.  RET_OK, or RET_ERROR with an exception set.
 */
static int
read_table(PyCodeObject *code, Py_ssize_t start, CodeLines *cl)
{
    KeepFrom keep = {cl, 0, start};
    return walk_table(code, keep_entry, &keep);
}

typedef struct PerUnit {
    int *lines;
    Py_ssize_t n_units;
} PerUnit;

static int
fill_units(void *ctx, Py_ssize_t begin, Py_ssize_t end, int line)
{
    PerUnit *per = ctx;
    for (Py_ssize_t unit = begin / 2; unit < end / 2 && unit < per->n_units; unit++) {
        per->lines[unit] = line;
    }
    return RET_OK;
}

typedef struct FarCost {
    int first_line;
    int current;        /* the line of the entry before */
    Py_ssize_t cost;
} FarCost;

/* Where the line changes (a line start, most likely), 3.12 and 3.13 keep
 * the line in a byte when it is within (-127, 127] of co_firstlineno, and
 * else scan the table up to the instruction for it (see sysinstr.h).
 */
static int
add_far_cost(void *ctx, Py_ssize_t begin, Py_ssize_t end, int line)
{
    FarCost *far = ctx;
    (void)end;
    int delta = line - far->first_line;
    if (line >= 0 && line != far->current && (delta <= -127 || delta > 127)) {
        far->cost += begin / 2;
    }
    far->current = line;
    return RET_OK;
}

Py_ssize_t
CodeLines_FarCost(PyCodeObject *code)
{
    FarCost far = {code->co_firstlineno, -1, 0};
    if (walk_table(code, add_far_cost, &far) < 0) {
        return RET_ERROR;
    }
    return far.cost;
}

int
CodeLines_PerUnit(PyCodeObject *code, int *lines, Py_ssize_t n_units)
{
    for (Py_ssize_t i = 0; i < n_units; i++) {
        lines[i] = -1;
    }
    PerUnit per = {lines, n_units};
    return walk_table(code, fill_units, &per);
}

#else /* !COVCORE_HAS_LOCATION_TABLE */

/* The same, from co_lines() (3.10).  RET_OK, or RET_ERROR with an exception set. */
static int
read_co_lines(PyCodeObject *code, Py_ssize_t start, CodeLines *cl)
{
    int ret = RET_ERROR;
    PyObject *iter = NULL;          /* owned */
    PyObject *item = NULL;          /* owned */
    PyObject *co_lines = Cov_CallMethod((PyObject *)code, Cov_names.co_lines, NULL);
    if (co_lines == NULL) {
        goto error;
    }
    iter = PyObject_GetIter(co_lines);
    Py_DECREF(co_lines);
    if (iter == NULL) {
        goto error;
    }
    Py_ssize_t alloc = 0;
    while ((item = PyIter_Next(iter)) != NULL) {
        Py_ssize_t begin, end;
        PyObject *line;
        if (!PyArg_ParseTuple(item, "nnO", &begin, &end, &line)) {
            goto error;
        }
        if (line != Py_None && end > start) {
            int lineno = (int)PyLong_AsLong(line);
            if ((lineno == -1 && PyErr_Occurred()) || keep_line(cl, &alloc, lineno) < 0) {
                goto error;
            }
        }
        Py_CLEAR(item);
    }
    ret = PyErr_Occurred() ? RET_ERROR : RET_OK;
error:
    Py_XDECREF(item);
    Py_XDECREF(iter);
    return ret;
}

#endif /* COVCORE_HAS_LOCATION_TABLE */

/* The lines `code` can report, sorted, each once; NULL with an exception set. */
static CodeLines *
build(PyCodeObject *code)
{
    CodeLines *cl = PyMem_RawCalloc(1, sizeof(CodeLines));
    if (cl == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    /* Repeats are dropped at the end (sorted), the common one, the same
     * line again at once, already while reading.
     */
#if COVCORE_HAS_LOCATION_TABLE
    int ret = read_table(code, Cov_BodyStart(code), cl);
#else
    int ret = read_co_lines(code, Cov_BodyStart(code), cl);
#endif
    if (ret < 0) {
        CodeLines_Free(cl);
        return NULL;
    }
    drop_repeats(cl);
    return cl;
}

Py_ssize_t
CodeLines_Missing(PyCodeObject *code, LineSet *file_data)
{
    CodeRecord *record = NULL;      /* borrowed: the code owns it */
    if (CodeRecord_Get(code, &record) < 0) {
        return RET_ERROR;
    }
    CodeLines *cl = record != NULL ? record->code_lines : NULL;    /* borrowed: the record owns it */
    if (cl == NULL) {
        record = CodeRecord_Make(code);
        if (record == NULL) {
            return RET_ERROR;
        }
        cl = build(code);
        if (cl == NULL) {
            return RET_ERROR;
        }
        record->code_lines = cl;
    }
    if (cl->serial == file_data->serial && cl->version == file_data->version) {
        return cl->missing;
    }
    cl->serial = file_data->serial;
    cl->version = file_data->version;
    cl->missing = cl->n_lines == 0;
    for (Py_ssize_t i = 0; i < cl->n_lines; i++) {
        cl->missing += !LineSet_HasKey(file_data, (uint64_t)(uint32_t)cl->lines[i]);
    }
    return cl->missing;
}

int
CodeLines_Complete(PyCodeObject *code, LineSet *file_data)
{
    Py_ssize_t missing = CodeLines_Missing(code, file_data);
    return missing < 0 ? RET_ERROR : missing == 0;
}

PyObject *
CodeLines_describe(PyObject *module, PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "_code_lines() takes a code object");
        return NULL;
    }
    CodeLines *cl = build((PyCodeObject *)code);
    if (cl == NULL) {
        return NULL;
    }
    PyObject *lines = PyList_New(cl->n_lines);
    for (Py_ssize_t i = 0; lines != NULL && i < cl->n_lines; i++) {
        PyObject *line = PyLong_FromLong(cl->lines[i]);
        if (line == NULL) {
            Py_CLEAR(lines);
            break;
        }
        PyList_SET_ITEM(lines, i, line);
    }
    CodeLines_Free(cl);
    return lines;
}
