/* SysLines: line mode of the sys.monitoring core, see syslines.h. */

#include "syslines.h"

#if COVCORE_HAS_SYSMON

int
SysLines_check(SysMon *self, PyCodeObject *code, CodeRecord *record, LineSet *file_data)
{
    SysLineMode *mode = &record->line_mode;
    Py_ssize_t missing = CodeLines_Missing(code, file_data);
    if (missing < 0) {
        return RET_ERROR;
    }
    mode->missing = missing;
    int complete = missing == 0;
    if (complete && mode->state != LINES_OFF) {
        mode->state = LINES_OFF;
        STATS(self->stats.complete_skips++);
        return SysCode_set_events(self, code, 0);
    }
    if (!complete && mode->state == LINES_OFF) {
        mode->state = LINES_WATCHED;
        return SysCode_set_events(self, code, EV_LINE);
    }
    return RET_OK;
}

int
SysLines_keep(SysMon *self)
{
    if (self->lines_kept || self->instrumented == NULL) {
        return RET_OK;
    }
    self->lines_kept = 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(self->instrumented); i++) {
        PyCodeObject *code = (PyCodeObject *)PyList_GET_ITEM(self->instrumented, i);  /* borrowed */
        CodeRecord *record = code_record(self, code);   /* borrowed */
        if (record != NULL && record->line_mode.state == LINES_OFF) {
            record->line_mode.state = LINES_ON;
            if (SysCode_set_events(self, code, EV_LINE) < 0) {
                return RET_ERROR;
            }
        }
    }
    return RET_OK;
}

#endif /* COVCORE_HAS_SYSMON */
