/* SysLines: line mode of the sys.monitoring core.
 *
 * PY_START decides once per code object whether it is measured (syscode.c);
 * measured code gets local LINE events, and each LINE callback records its
 * line and returns DISABLE, so every line location costs one callback,
 * once.  Unmeasured code gets no local events, and its PY_START is
 * disabled too.
 *
 * But CPython also instruments jump targets as line starts, and reports
 * one only when it is reached from another line: a target reached from its
 * own line (the loop of an `await` or a comprehension, the second half of
 * a conditional expression) never reports, so it is never disabled and
 * costs a check each time it runs.  A code object whose lines are all
 * recorded gets its local events switched off, which removes those too.
 * Finding that out costs the code's line table once (CodeLines_Missing()),
 * so it is done only for functions (a module or class body runs once):
 * at a function's first new line its missing lines are counted, each new
 * line after that counts one down, and at zero the count is made again
 * (another code object may have recorded a line of it, or the data was
 * cleared), which either confirms it complete or starts a new count.  A
 * function called once but looping long (a generator, a `main`) is so
 * switched off as soon as its last line runs, without ever starting again.
 * Where a code object stands is its record's line_mode.state, one of
 * LINES_* (coderecord.h); a function starts LINES_COUNTING, a module or
 * class body LINES_ON:
 *
 *   LINES_COUNTING -> LINES_WATCHED   at its HOT_STARTS-th start (its
 *                                     PY_START goes off; the count of a
 *                                     cleared run's lines is made again);
 *   LINES_COUNTING,
 *   LINES_WATCHED  -> LINES_OFF       its missing lines counted down to none;
 *   LINES_OFF      -> LINES_WATCHED   the data lost some (cleared);
 *   any            -> LINES_ON        restart_events() (SysLines_keep()).
 *
 * The per-event parts are inline: they run in the LINE and PY_START
 * callbacks (sysevents.c).
 */
#ifndef COVCORE_SYSLINES_H
#define COVCORE_SYSLINES_H

#include "syscode.h"

#if COVCORE_HAS_SYSMON

#define HOT_STARTS 8

/* Switch `code`'s LINE events off if every line of it is recorded, or back
 * on if the data lost some (the collector cleared it).  RET_OK or RET_ERROR.
 */
int SysLines_check(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data);

/* restart_events() in line mode: code switched off gets its LINE events
 * back, and none is switched off for the rest of the run (see
 * SysMon_restart_events()).  RET_OK or RET_ERROR.
 */
int SysLines_keep(SysMon *self);

/* A measured code object starts, in line mode: its first start (the
 * decision), the next ones while it is counted, or any after
 * restart_events(), which brings back the PY_START events disabled so far.
 * The callback's result: a new reference, or NULL with an exception set.
 */
static inline PyObject *
lines_start(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data)
{
    SysLineMode *mode = &record->line_mode;
    if (self->lines_kept) {
        mode->state = LINES_ON;
    }
    if (mode->state == LINES_COUNTING) {
        if (++mode->starts < HOT_STARTS) {
            Py_RETURN_NONE;
        }
        mode->state = LINES_WATCHED;
    }
    if (mode->state != LINES_ON && SysLines_check(self, code, record, file_data) < 0) {
        return NULL;
    }
    return Py_NewRef(self->disable);
}

/* A LINE event in line mode: record the line, and disable its location.
 * The callback's result: a new reference, or NULL with an exception set.
 */
static inline PyObject *
lines_line(SysMon *self, PyCodeObject *code, int line)
{
    CodeRecord *record = code_record(self, code);   /* borrowed */
    if (record == NULL || record->file_data == NULL) {
        return Py_NewRef(self->disable);
    }
    LineSet *file_data = record->file_data;
    uint64_t version = file_data->version;
    if (LineSet_AddKey(file_data, (uint64_t)(uint32_t)line) < 0) {
        return NULL;
    }
    SysLineMode *mode = &record->line_mode;
    if (file_data->version != version && (mode->state == LINES_COUNTING || mode->state == LINES_WATCHED)
        && --mode->missing <= 0 && !self->lines_kept) {
        if (SysLines_check(self, code, record, file_data) < 0) {
            return NULL;
        }
        if (mode->state == LINES_OFF) {
            /* No line instrumentation is left to disable. */
            Py_RETURN_NONE;
        }
    }
    return Py_NewRef(self->disable);
}

#endif /* COVCORE_HAS_SYSMON */

#endif /* COVCORE_SYSLINES_H */
