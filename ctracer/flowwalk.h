/* FlowWalk: the walk over a code object's flow graph that finds the arcs
 * its line events can bring (see sysflow.h for the model).
 */
#ifndef COVCORE_FLOWWALK_H
#define COVCORE_FLOWWALK_H

#include "sysflow.h"

#if COVCORE_HAS_SYSMON

/* A growing list of arcs (LineSet_ArcKey keys), sorted when complete. */
typedef struct ArcList {
    uint64_t *keys;     /* owned: PyMem array */
    Py_ssize_t n;
    Py_ssize_t alloc;
} ArcList;

/* Append the arc (from, to).  RET_OK or RET_ERROR. */
int ArcList_add(ArcList *list, int from, int to);

/* Sort the keys and drop the repeats. */
void ArcList_sort_unique(ArcList *list);

/* Walk the code from its first RESUME (flow->lines, n_units and
 * resume_unit are set), fill flow->exit_lines, cleanups and raise_lines,
 * and give the arcs: `ordinary` those that line events read (see
 * flowindex.c), `all` every arc of the code, `normal` those of a frame in
 * which no exception is caught (the walk before it follows a handler);
 * all sorted, without repeats.  On MODEL_OK the caller owns the lists' keys.
 */
ModelResult FlowWalk_Run(CodeFlow *flow, PyCodeObject *code, const unsigned char *ops, ArcList *ordinary,
                         ArcList *all, ArcList *normal);

#endif

#endif /* COVCORE_FLOWWALK_H */
