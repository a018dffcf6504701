/* Which code objects are fully covered (line mode of the settrace core).
 *
 * Once every line a code object can report has been recorded, its later
 * frames need no line events at all: the settrace core switches them off
 * (f_trace_lines = 0) at the call event, so fully covered hot code runs
 * nearly untraced.  The lines a code object can report are those of its
 * line table (co_lines), leaving out the prologue before its first RESUME,
 * which never produces a line event.
 */
#ifndef COVCORE_CODELINES_H
#define COVCORE_CODELINES_H

#include "util.h"
#include "lineset.h"

/* The lines a code object can report, kept in its CodeRecord (coderecord.h). */
typedef struct CodeLines CodeLines;

/* Free a CodeLines (NULL is fine): its record is going with its code. */
void CodeLines_Free(CodeLines *cl);

/* How many lines of `code` are not in `file_data`: 0 or more, or RET_ERROR
 * on error.  A code object with no line at all counts one missing (it is
 * never complete).  Cheap when nothing was added to `file_data` since the
 * last question about this code object.
 */
Py_ssize_t CodeLines_Missing(PyCodeObject *code, LineSet *file_data);

/* Is every line of `code` in `file_data`?  1 yes, 0 no, RET_ERROR on error. */
int CodeLines_Complete(PyCodeObject *code, LineSet *file_data);

#if COVCORE_HAS_LOCATION_TABLE
/* The line of each of the `n_units` code units of `code`, from its location
 * table, into `lines` (-1: none), as co_lines() gives them.  RET_OK, or
 * RET_ERROR with an exception set.
 */
int CodeLines_PerUnit(PyCodeObject *code, int *lines, Py_ssize_t n_units);

/* What LINE events would cost in scans of the location table on 3.12 and
 * 3.13, one event per line start: the sum of the code units scanned (the
 * index of each line start whose line is too far from co_firstlineno to be
 * kept in a byte).  0 or more, or RET_ERROR with an exception set.
 */
Py_ssize_t CodeLines_FarCost(PyCodeObject *code);
#endif

/* _code_lines(code): the lines the cores count for `code`, sorted (for tests). */
PyObject *CodeLines_describe(PyObject *module, PyObject *code);

#endif /* COVCORE_CODELINES_H */
