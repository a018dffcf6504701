/* SysEvents: the callbacks the sys.monitoring core registers, one per
 * event (the SysMon type lists them as its `_on_*` methods, sysmon.c).
 *
 * The arcs branch mode records are exactly those of the settrace core: a
 * backward jump within one line (JUMP event) counts as a new visit of the
 * line, as CPython's settrace emulation reports it.  Each callback takes
 * the arguments sys.monitoring passes, by vectorcall, and returns a new
 * reference (None, or sys.monitoring.DISABLE for a location that never
 * needs to report again), or NULL with an exception set.
 */
#ifndef COVCORE_SYSEVENTS_H
#define COVCORE_SYSEVENTS_H

#include "sysmon.h"

#if COVCORE_HAS_SYSMON

/* PY_START (global): a frame starts; the code's decision on its first start. */
PyObject *SysEvents_on_py_start(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
/* PY_RESUME (local), PY_THROW (global): a suspended frame goes on. */
PyObject *SysEvents_on_py_resume(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *SysEvents_on_py_throw(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
/* PY_RETURN, PY_YIELD (local), PY_UNWIND (global): a frame ends or suspends. */
PyObject *SysEvents_on_py_return(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *SysEvents_on_py_yield(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *SysEvents_on_py_unwind(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
/* EXCEPTION_HANDLED (global): remember the line that raised. */
PyObject *SysEvents_on_exception_handled(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
/* LINE (local): a line runs; both modes. */
PyObject *SysEvents_on_line(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
/* Branch mode: the innermost frame of `code` in this thread arrives at
 * `line` (a LINE event, or one sysinstr.c derives; `same_line` for a
 * backward jump within the line).  *disable is set when the location will
 * never again bring anything.  RET_OK or RET_ERROR.
 */
int SysEvents_visit_line(SysMon *self, PyCodeObject *code, int line, int same_line, int *disable);
/* JUMP (local): a backward jump within one line is a visit of the line. */
PyObject *SysEvents_on_jump(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
#if COVCORE_HAS_BRANCH_EVENTS
PyObject *SysEvents_on_branch_left(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *SysEvents_on_branch_right(SysMon *self, PyObject *const *args, Py_ssize_t nargs);
#endif

#endif /* COVCORE_HAS_SYSMON */

#endif /* COVCORE_SYSEVENTS_H */
