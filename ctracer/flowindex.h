/* FlowIndex: a code object's arcs indexed by the line they go into, for
 * the line events of branch mode (see sysflow.h).
 */
#ifndef COVCORE_FLOWINDEX_H
#define COVCORE_FLOWINDEX_H

#include "flowwalk.h"

#if COVCORE_HAS_SYSMON

/* Fill flow->line_info, in_arcs and has_readers from the `ordinary` arcs
 * (an arc into the same line is a backward jump's, reported by a JUMP
 * event; an arc to `exit_line` is an exit), then choose the writers
 * (syswriters.c).  RET_OK or RET_ERROR.
 */
int FlowIndex_Build(CodeFlow *flow, int exit_line, const ArcList *ordinary);

#endif

#endif /* COVCORE_FLOWINDEX_H */
