/* FlowIndex: the arcs by line, see flowindex.h.
 *
 * The arcs between two lines are indexed by the line they go into.  A line
 * with more than one way in is a *reader*: its line event brings the arc
 * from the frame's last written line, which the *writers* (the lines that
 * feed readers, chosen in syswriters.c) keep up to date.
 */

#include "flowindex.h"

#if COVCORE_HAS_SYSMON

#include "lineset.h"
#include "syswriters.h"

int
FlowIndex_Build(CodeFlow *flow, int exit_line, const ArcList *read)
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

#endif
