/* SysExits: the arcs of a frame of modelled code leaving it (branch mode of
 * the sys.monitoring core): where it was last reported, the arc into the
 * line settrace sees at the return event, and the exit arc.  Used by the
 * return and unwind callbacks (sysevents.c) and by an exception caught in
 * quiet code (SysEvents_on_exception_handled()).
 */
#ifndef COVCORE_SYSEXITS_H
#define COVCORE_SYSEXITS_H

#include "syscode.h"

#if COVCORE_HAS_SYSMON

/* Where a frame leaving by an exception (PY_UNWIND) is: its own last
 * instruction, not the callback's offset.  An exception passing through a
 * generator's own handler restores it; and when a suspended generator is
 * closed, 3.12 reports the unwind at that handler while the frame (and
 * settrace) is still at the yield.
 */
int SysExits_unwind_lasti(PyObject *offset_arg);

/* The line a frame of modelled code was last reported on when it leaves
 * from the instruction at `offset` (the event's): that instruction's line,
 * or for one without a line (a handler re-raising), what the flow knows
 * (see CodeFlow.exit_lines): one line, or the line of the frame's last
 * instruction `lasti`; for a silent instruction (see flowwalk.c), the line
 * the walk carried to it.  *final is the line settrace sees at the return
 * event: on 3.14, the line of `lasti` (a with's exit restores the
 * instruction that raised; see util.h's COVCORE_RETURN_LINE_UNREPORTED).
 */
int SysExits_line(const CodeFlow *flow, PyCodeObject *code, int offset, int lasti, int *final);

/* The arcs of a frame of modelled code leaving from `reported` (see
 * SysExits_line()): into `final` when settrace sees that line only at the
 * return event (not an edge of the model, so never a misfit), then out.
 * RET_OK or RET_ERROR.
 */
int SysExits_add_arcs(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data, int reported, int final);

#endif

#endif /* COVCORE_SYSEXITS_H */
