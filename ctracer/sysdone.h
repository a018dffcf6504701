/* SysDone: branch mode of the sys.monitoring core, when there is nothing
 * left to record: at one line location (its LINE event returns DISABLE),
 * or in a whole code object (its local events are switched off).
 *
 * For code the flow model of sysflow.c covers (FLOW_ON), a frame's
 * last_line is its last *written* line: writers always report, and a
 * reading line decodes its arc from the last writer (reader_need()).  A
 * location is done once its own arcs are recorded, or it is a reader
 * whose possible arcs are (it is *satisfied*), and no reader it serves
 * needs it to write (location_done()).  Done is not forever.  A line that
 * runs for the first time can make a satisfied reader need its arcs again
 * (line_reached()), and recorded data can be cleared
 * (SysDone_data_cleared()): then the code's locations report again, and
 * its tracked frames become *exact*: each line event reports, with the
 * previous line as last_line, until a writer makes the model hold again
 * (visit_line() in sysevents.c).  Code the model turns out not to fit (a
 * *misfit*) goes back to the exact path for the rest of the run
 * (SysDone_misfit()).
 *
 * The questions asked at every line event are inline here, so that the
 * LINE callback (sysevents.c) calls nothing more for them than it did when
 * they were static in one file; what happens only when something changes
 * is in sysdone.c.
 */
#ifndef COVCORE_SYSDONE_H
#define COVCORE_SYSDONE_H

#include "syscode.h"
#include "sysframes.h"

#if COVCORE_HAS_SYSMON

/* The part of flow_after_arc() that runs when the data changed since the
 * last completeness check.  RET_OK or RET_ERROR.
 */
int SysDone_new_arc(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data,
                    uint64_t key, uint64_t version_before);

/* The part of line_reached() that runs when a satisfied reader may need
 * its arcs again.  RET_OK or RET_ERROR.
 */
int SysDone_first_reach(SysMon *self, PyCodeObject *code, CodeRecord *record, int line,
                        SysMonEntry *current);

/* A line that feeds a reader ran for the first time while frames of the
 * code went untracked (SAT_YES, see frames_unneeded()): frames are tracked
 * again from now on.  Every local event of the code comes back on (the
 * PY_RETURN locations that untracked frames turned off included), and
 * every running frame of the code gets an exact entry (SysFrames_adopt()),
 * the one at `line` included.  RET_OK or RET_ERROR.
 */
int SysDone_track_again(SysMon *self, PyCodeObject *code, CodeRecord *record, int line);

/* Is every arc of the code's flow in `file_data`?  1 or 0.  A missing arc
 * found earlier is looked at first: it is usually still missing.  (The
 * whole list is read otherwise: the collector may have cleared the data.)
 */
int SysDone_flow_complete(CodeRecord *record, LineSet *file_data);

/* Is every arc of the code's flow that a frame without a caught exception
 * can record in `file_data`?  1 or 0 (as SysDone_flow_complete()).
 */
int SysDone_normal_complete(CodeRecord *record, LineSet *file_data);

/* An exception was caught in a frame of FLOW_QUIET `code`, the first in
 * any of its frames since it turned quiet (then it never turns quiet
 * again), so the frame ran the code's ordinary flow up to the raise: it
 * was last reported on line `reported`, the line its frame leaves from
 * (SysExits_line() in sysexits.c; negative: not known).  The code is on
 * again for the rest of the run, and the frame tracked (exact) from
 * there.  RET_OK or RET_ERROR.
 */
int SysDone_wake(SysMon *self, PyCodeObject *code, CodeRecord *record, int reported);

/* An exception was caught in an untracked frame of code that was woken
 * (see SysDone_wake()): its first, so the same holds.  Track it from
 * there.  RET_OK or RET_ERROR.
 */
int SysDone_track_caught(SysMon *self, PyCodeObject *code, CodeRecord *record, int reported);

/* The model does not fit this code (an arc outside it, a last written
 * line no reader expects): it goes back to the exact path for the rest of
 * the run, and the locations it switched off must report again.  RET_OK or
 * RET_ERROR.
 */
int SysDone_misfit(SysMon *self, CodeRecord *record);

/* Every tracked frame of `code` becomes exact from the line it is on
 * (`line` for `current`, or NULL), and its suspended frames resume exact.
 * RET_OK or RET_ERROR.
 */
int SysDone_frames_exact(SysMon *self, PyCodeObject *code, struct _PyInterpreterFrame *current, int line);

/* Turn every line location of `code` back on (each turns off again at its
 * next event): local LINE events off, then on.  RET_OK or RET_ERROR.
 */
int SysDone_lines_back_on(SysMon *self, PyCodeObject *code);

/* LineSet_clear_hook while a branch-mode SysMon runs (SysMon_process.clearing):
 * recorded data was cleared (a new context, data saved while running).
 * RET_OK or RET_ERROR.
 */
int SysDone_data_cleared(void);

/* Is the arc in_arcs[i] told by a branch event (3.14)?  Then line events
 * never need to tell it: for the readers' needs it counts as recorded.
 */
static inline int
branch_told(const CodeFlow *flow, Py_ssize_t i)
{
    return flow->in_branch != NULL && flow->in_branch[i];
}

/* Has every arc into the line been recorded (or is told by a branch event)?  1 or 0. */
static inline int
line_complete(const CodeFlow *flow, const FlowLine *info, LineSet *file_data)
{
    for (Py_ssize_t i = 0; i < info->in_count; i++) {
        if (!LineSet_HasKey(file_data, flow->in_arcs[info->in_start + i]) && !branch_told(flow, info->in_start + i)) {
            return 0;
        }
    }
    return 1;
}

/* Are the arcs into every reading line recorded?  Then no line needs to
 * know where a frame was before: frames need no tracking.  1 or 0.
 */
static inline int
readers_complete(const CodeFlow *flow, LineSet *file_data)
{
    for (int l = 0; l < flow->n_lines; l++) {
        const FlowLine *info = &flow->line_info[l];
        if (info->reads && !line_complete(flow, info, file_data)) {
            return 0;
        }
    }
    return 1;
}

/* What a reading line needs now.  Only arcs from lines that have run (or
 * from the entry) can bring a frame to it:
 *   SATISFIED: all of those are recorded, so a frame arriving records
 *              nothing (the line needs no event until another line runs,
 *              see line_reached());
 *   ONE:       only one can, not recorded yet (*only): no last written line
 *              is needed to tell it;
 *   DECODE:    the frame's last written line tells which.
 */
enum { SATISFIED, ONE, DECODE };

static inline int
reader_need(const CodeRecord *record, const FlowLine *info, LineSet *file_data, uint64_t *only)
{
    const CodeFlow *flow = record->branch.flow;
    const unsigned char *reached = record->branch.reached;
    int possible = 0, missing = 0;
    for (Py_ssize_t i = 0; i < info->in_count; i++) {
        uint64_t key = flow->in_arcs[info->in_start + i];
        int from = (int)(int32_t)(uint32_t)(key >> 32);
        int index = from - flow->min_line;
        if (index >= 0 && index < flow->n_lines && !reached[index]) {
            continue;
        }
        possible++;
        if (!LineSet_HasKey(file_data, key) && !branch_told(flow, info->in_start + i)) {
            missing++;
            *only = key;
        }
    }
    return missing == 0 ? SATISFIED : possible == 1 ? ONE : DECODE;
}

/* Has a cleanup location brought every arc it can?  (One that brings
 * (line, line) only has, once it ran: the frame was on its line already.)
 */
static inline int
cleanup_done(const CodeFlow *flow, const FlowCleanup *cleanup, LineSet *file_data, int line)
{
    for (Py_ssize_t i = 0; i < cleanup->raise_count; i++) {
        if (!LineSet_HasKey(file_data, LineSet_ArcKey(flow->raise_lines[cleanup->raise_start + i], line))) {
            return 0;
        }
    }
    return 1;
}

/* In code of more lines than this, a location that is only satisfied (a
 * reader's arcs still missing) stays on.  Turned off, it would have every
 * location of the code turned back on at the next first reach
 * (SysDone_first_reach()), and each such switch makes CPython re-instrument
 * the whole code object: in long straight-line code, a cost quadratic in
 * its length.  Staying on costs only that location's own events.
 */
#define MAX_SATISFIED_OFF_LINES 1000

/* Will a line event at this location of modelled code never bring
 * anything again?  Its own arcs are recorded (or it is a satisfied
 * reader), and if it writes, no reader it serves (flow->served) needs it
 * now (see reader_need()).  Never while a frame of the code is exact.
 * `cleanup`: the location is a cleanup handler's on `line` (or NULL).
 * 1 or 0; a location turned off with a reader's arcs still missing counts
 * in satisfied_off.
 */
static inline int
location_done(CodeRecord *record, const FlowLine *info, LineSet *file_data, const FlowCleanup *cleanup, int line)
{
    const CodeFlow *flow = record->branch.flow;
    if (record->branch.exact_frames > 0) {
        return 0;
    }
    int partial = 0;
    uint64_t only;
    if (cleanup != NULL) {
        if (!cleanup_done(flow, cleanup, file_data, line)) {
            return 0;
        }
    }
    else if (!line_complete(flow, info, file_data)) {
        if (!info->reads || reader_need(record, info, file_data, &only) != SATISFIED) {
            return 0;
        }
        partial = 1;
    }
    for (Py_ssize_t i = 0; (info->writes || cleanup != NULL) && i < info->served_count; i++) {
        const FlowLine *reader = &flow->line_info[flow->served[info->served_start + i]];
        if (!line_complete(flow, reader, file_data)) {
            if (reader_need(record, reader, file_data, &only) == DECODE) {
                return 0;
            }
            partial = 1;
        }
    }
    if (partial && flow->n_lines > MAX_SATISFIED_OFF_LINES) {
        return 0;
    }
    record->branch.satisfied_off += partial;
    return 1;
}

/* Is every reader either complete or satisfied (its missing arcs all come
 * from lines that have never run)?  1 or 0.
 */
static inline int
readers_satisfied(const CodeRecord *record, LineSet *file_data)
{
    const CodeFlow *flow = record->branch.flow;
    uint64_t only;
    for (int l = 0; l < flow->n_lines; l++) {
        const FlowLine *info = &flow->line_info[l];
        if (info->reads && !line_complete(flow, info, file_data)
            && reader_need(record, info, file_data, &only) != SATISFIED) {
            return 0;
        }
    }
    return 1;
}

/* Can frames of FLOW_ON code starting (or leaving without an entry) now
 * go untracked, although some reader misses arcs?  When every such reader
 * is satisfied, no line needs to know where a frame was: a frame records
 * what its locations tell alone, and its PY_START and PY_RETURN do no
 * more.  Only the first reach of a line that feeds a reader ends that
 * (SysDone_track_again(), from line_reached()), or a clear of the data.
 * Entries kept from before are dropped when it starts (their frames'
 * returns may go unseen from then on).  Not for generator-like code: a
 * suspended frame is on no thread's chain.  1 or 0.
 */
static inline int
frames_unneeded(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data)
{
    SysBranchMode *branch = &record->branch;
    if (branch->state != FLOW_ON || !branch->sat_allowed || !branch->flow->has_readers || branch->readers_done
        || !branch->any_reached) {
        /* (Before any line ran, every reader is satisfied, and the first
         * line would track the frames again at once.)
         */
        return 0;
    }
    if (branch->sat_state == SAT_UNKNOWN || branch->sat_version != file_data->version) {
        int was = branch->sat_state == SAT_YES;
        branch->sat_version = file_data->version;
        branch->sat_state = readers_satisfied(record, file_data) ? SAT_YES : SAT_NO;
        if (branch->sat_state == SAT_YES && !was) {
            SysFrames_forget(self, code);
        }
    }
    return branch->sat_state == SAT_YES;
}

/* Are frames of this code left untracked?  Code that is off, and modelled
 * code in which no line reads the previous one: every arc it records is
 * then known from where the event happens (see docs/architecture.md).
 */
static inline int
untracked(const CodeRecord *record)
{
    const SysBranchMode *branch = &record->branch;
    return branch->state == FLOW_OFF || branch->state == FLOW_QUIET
           || (branch->state == FLOW_ON && (!branch->flow->has_readers || branch->readers_done));
}

/* A frame of modelled code has arrived at `line` (`info`), whose own arc
 * is recorded.  The first time, a reader that was satisfied because this
 * line had never run may not be any more, and locations turned off then
 * (the reader, writers that served only satisfied readers) must report
 * again (SysDone_first_reach()).  `current`: the frame's entry, or NULL.
 * RET_OK or RET_ERROR.
 */
static inline int
line_reached(SysMon *self, PyCodeObject *code, CodeRecord *record, int line, const FlowLine *info,
             SysMonEntry *current)
{
    unsigned char *reached = &record->branch.reached[line - record->branch.flow->min_line];
    if (*reached) {
        return RET_OK;
    }
    *reached = 1;
    record->branch.any_reached = 1;
    if (info->feeds_reader && record->branch.sat_state == SAT_YES) {
        return SysDone_track_again(self, code, record, line);
    }
    if (!info->feeds_reader || record->branch.satisfied_off == 0) {
        return RET_OK;
    }
    return SysDone_first_reach(self, code, record, line, current);
}

/* An arc `key` of a frame of `code` was just added to `file_data`
 * (`version_before` is the set's version before): switch the code off if
 * that completed its flow.  An arc outside the flow means the model does
 * not fit this code: it stays on the exact path for the rest of the run.
 * RET_OK or RET_ERROR.
 */
static inline int
flow_after_arc(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data,
               uint64_t key, uint64_t version_before)
{
    if (record->branch.state != FLOW_ON || file_data->version == record->branch.seen_version) {
        return RET_OK;
    }
    return SysDone_new_arc(self, code, record, file_data, key, version_before);
}

/*
 * Cleanup locations (see FlowCleanup in sysflow.h).
 */

/* The cleanup location the current frame is at, or NULL. */
static inline const FlowCleanup *
at_cleanup(const CodeFlow *flow)
{
    struct _PyInterpreterFrame *iframe = current_iframe();
    return iframe != NULL ? CodeFlow_Cleanup(flow, PyUnstable_InterpreterFrame_GetLasti(iframe) / 2) : NULL;
}

/* The arc a cleanup location's line event brings into `line`, or 0 when it
 * is not known (the exception was caught before start(), or too many were
 * caught since): the raising line comes from SysMon.raised, which
 * on_exception_handled() (sysevents.c) fills.
 */
static inline uint64_t
cleanup_arc(SysMon *self, const FlowCleanup *cleanup, int line)
{
    if (cleanup->raise_count == 0) {
        return LineSet_ArcKey(line, line);
    }
    struct _PyInterpreterFrame *iframe = current_iframe();
    for (int i = 1; i <= SYSMON_RAISED; i++) {
        int slot = (self->raised_next - i + SYSMON_RAISED) % SYSMON_RAISED;
        if (self->raised[slot].iframe == iframe) {
            self->raised[slot].iframe = NULL;
            int from = self->raised[slot].line;
            return from == NO_LINE ? 0 : LineSet_ArcKey(from, line);
        }
    }
    return 0;
}

#endif /* COVCORE_HAS_SYSMON */

#endif /* COVCORE_SYSDONE_H */
