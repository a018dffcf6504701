/* SysFlow: the arcs a code object can record, see sysflow.h. */

#include "sysflow.h"

#if COVCORE_HAS_SYSMON

#include "flowindex.h"
#include "flowops.h"
#include "flowwalk.h"
#include "lineset.h"

void
CodeFlow_Free(CodeFlow *flow)
{
    if (flow != NULL) {
        PyMem_Free(flow->arcs);
        PyMem_Free(flow->normal);
        PyMem_Free(flow->branches);
        PyMem_Free(flow->in_branch);
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

/* The line of each code unit, from co_lines().  RET_OK or RET_ERROR. */
static int
read_lines(PyCodeObject *code, int *lines, Py_ssize_t n_units)
{
    int ret = RET_ERROR;
    PyObject *iter = NULL;      /* owned */
    PyObject *item = NULL;      /* owned */

    for (Py_ssize_t i = 0; i < n_units; i++) {
        lines[i] = -1;
    }
    PyObject *entries = Cov_CallMethod((PyObject *)code, Cov_names.co_lines, NULL);  /* owned */
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

/* A new model of `n_units` code units, their lines read, its RESUME found. */
static ModelResult
start_model(PyCodeObject *code, const unsigned char *ops, Py_ssize_t n_units, CodeFlow **out)
{
    CodeFlow *flow = PyMem_Calloc(1, sizeof(CodeFlow));
    *out = flow;
    if (flow == NULL) {
        PyErr_NoMemory();
        return MODEL_FAILED;
    }
    flow->n_units = n_units;
    flow->resume_unit = -1;
    flow->lines = PyMem_Malloc(((size_t)n_units + 1) * sizeof(int));
    if (flow->lines == NULL) {
        PyErr_NoMemory();
        return MODEL_FAILED;
    }
    if (read_lines(code, flow->lines, n_units) < 0) {
        return MODEL_FAILED;
    }
    /* The body starts at the first RESUME, or in a generator at the first
     * after RETURN_GENERATOR: what comes before runs at the call.
     */
    Py_ssize_t start = 0;
    for (Py_ssize_t unit = 0; unit < n_units; unit++) {
        if (Flow_kind(ops[2 * unit]) & K_GENERATOR) {
            start = unit + 1;
            break;
        }
    }
    for (Py_ssize_t unit = start; unit < n_units; unit++) {
        if (Flow_kind(ops[2 * unit]) & K_RESUME) {
            flow->resume_unit = unit;
            return MODEL_OK;
        }
    }
    return MODEL_OUTSIDE;
}

/* Mark the arcs into lines that branch events tell (CodeFlow.in_branch). */
static int
mark_branch_arcs(CodeFlow *flow)
{
    Py_ssize_t n_in = 0;
    for (int l = 0; l < flow->n_lines; l++) {
        const FlowLine *info = &flow->line_info[l];
        if (info->in_start + info->in_count > n_in) {
            n_in = info->in_start + info->in_count;
        }
    }
    if (flow->n_branches == 0 || n_in == 0) {
        return RET_OK;
    }
    ArcList keys = {NULL, 0, 0};    /* the branch arcs, sorted */
    for (Py_ssize_t b = 0; b < flow->n_branches; b++) {
        if (ArcList_add(&keys, arc_from(flow->branches[b].key), arc_to(flow->branches[b].key)) < 0) {
            PyMem_Free(keys.keys);
            return RET_ERROR;
        }
    }
    ArcList_sort_unique(&keys);
    flow->in_branch = PyMem_Calloc((size_t)n_in, 1);
    if (flow->in_branch == NULL) {
        PyMem_Free(keys.keys);
        PyErr_NoMemory();
        return RET_ERROR;
    }
    for (Py_ssize_t i = 0; i < n_in; i++) {
        flow->in_branch[i] = (char)CodeFlow_KeysHave(keys.keys, keys.n, flow->in_arcs[i]);
    }
    PyMem_Free(keys.keys);
    return RET_OK;
}

ModelResult
CodeFlow_Build(PyCodeObject *code, CodeFlow **out)
{
    *out = NULL;
    /* Generators and coroutines are in the model, async generators not. */
    int resumable = (code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE)) != 0;
    if (!COVCORE_HAS_FLOW_TABLE || ((code->co_flags & COV_RESUMABLE_FLAGS) && !resumable)) {
        return MODEL_OUTSIDE;
    }
    PyObject *bytes = PyCode_GetCode(code);     /* owned */
    if (bytes == NULL) {
        return MODEL_FAILED;
    }
    const unsigned char *ops = (const unsigned char *)PyBytes_AS_STRING(bytes);
    CodeFlow *flow;                 /* owned */
    ArcList ordinary = {NULL, 0, 0};
    ArcList all = {NULL, 0, 0};
    ArcList normal = {NULL, 0, 0};
    ModelResult rc = start_model(code, ops, PyBytes_GET_SIZE(bytes) / 2, &flow);
    if (rc == MODEL_OK) {
        rc = FlowWalk_Run(flow, code, ops, &ordinary, &all, &normal);
    }
    if (rc == MODEL_OK) {
        flow->arcs = all.keys;
        flow->n_arcs = all.n;
        flow->normal = normal.keys;
        flow->n_normal = normal.n;
        if (FlowIndex_Build(flow, -code->co_firstlineno, &ordinary) < 0 || mark_branch_arcs(flow) < 0) {
            rc = MODEL_FAILED;
        }
    }
    PyMem_Free(ordinary.keys);
    Py_DECREF(bytes);
    if (rc == MODEL_OK) {
        *out = flow;
    }
    else {
        CodeFlow_Free(flow);
    }
    return rc;
}

uint64_t
CodeFlow_BranchArc(const CodeFlow *flow, int offset, int dest)
{
    Py_ssize_t lo = 0, hi = flow->n_branches;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        const FlowBranch *b = &flow->branches[mid];
        if (b->offset < offset || (b->offset == offset && b->dest < dest)) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    if (lo < flow->n_branches && flow->branches[lo].offset == offset && flow->branches[lo].dest == dest) {
        return flow->branches[lo].key;
    }
    return 0;
}

int
CodeFlow_HasArc(const CodeFlow *flow, uint64_t key)
{
    return CodeFlow_KeysHave(flow->arcs, flow->n_arcs, key);
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
