/* SysWriters: the writing lines of a code's flow model (sysflow.h) and the
 * readers' decoding tables.
 */
#ifndef COVCORE_SYSWRITERS_H
#define COVCORE_SYSWRITERS_H

#include "sysflow.h"

#if COVCORE_HAS_SYSMON

/* Choose the writers of `flow`, whose lines, readers and in-arcs are
 * indexed, and fill in its `decode` and `served` tables.  `exit_line` is
 * the arcs' entry and exit line.  RET_OK or RET_ERROR.
 */
int SysFlow_choose_writers(CodeFlow *flow, int exit_line);

#endif

#endif /* COVCORE_SYSWRITERS_H */
