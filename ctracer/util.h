/* Compatibility macros and small helpers shared by the C sources.
 *
 * Every difference between CPython versions that the tracer cares about is
 * named here, so that the tracer code itself reads the same on 3.10-3.13:
 * the other files test these feature macros, never PY_VERSION_HEX.
 */
#ifndef COVCORE_UTIL_H
#define COVCORE_UTIL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <opcode.h>
#include <stdint.h>

#define RET_OK      0
#define RET_ERROR   (-1)

/* The C cores rely on the GIL: their per-process and per-code state (the
 * data's LineSets, code records, sysmon's frame stacks) is shared by all
 * threads without locks.  A free-threaded build gets the Python core
 * instead (setup.py does not build the extension there; cores.py says why).
 */
#ifdef Py_GIL_DISABLED
#error "covcore's C cores need the GIL, and this Python is free-threaded: covcore measures with its Python core there"
#endif

/* sys.monitoring (PEP 669), and with it the sysmon core, is new in 3.12. */
#if PY_VERSION_HEX >= 0x030C0000
#define COVCORE_HAS_SYSMON 1
#else
#define COVCORE_HAS_SYSMON 0
#endif

/* The per-code-object scratch slots (co_extra): a public, unstable API
 * from 3.12, private functions before.
 */
#if PY_VERSION_HEX >= 0x030C0000
#define Cov_RequestCodeExtraIndex   PyUnstable_Eval_RequestCodeExtraIndex
#define Cov_CodeGetExtra            PyUnstable_Code_GetExtra
#define Cov_CodeSetExtra            PyUnstable_Code_SetExtra
#else
#define Cov_RequestCodeExtraIndex   _PyEval_RequestCodeExtraIndex
#define Cov_CodeGetExtra            _PyCode_GetExtra
#define Cov_CodeSetExtra            _PyCode_SetExtra
#endif

/* 3.11 made the frame object opaque; its fields live in an internal header
 * that 3.11 and 3.12 let extensions include.  3.13 refuses it without
 * Py_BUILD_CORE, so there we go through the frame's attributes instead.
 */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
#include <internal/pycore_frame.h>
#define COVCORE_FRAME_FIELDS 1
#elif PY_VERSION_HEX < 0x030B0000
#define COVCORE_FRAME_FIELDS 1
#else
#define COVCORE_FRAME_FIELDS 0
#endif

/* Byte offset of the frame's current instruction; negative before the
 * first instruction (3.10 only: later versions start at RESUME).
 */
#if PY_VERSION_HEX >= 0x030B0000
#define Cov_FrameLasti(f)   (PyFrame_GetLasti(f))
#else
#define Cov_FrameLasti(f)   ((f)->f_lasti < 0 ? -1 : (f)->f_lasti * 2)
#endif

/* The code object of a frame, as a borrowed reference.  The frame keeps
 * its code alive for as long as the frame itself is alive, and the tracer
 * only uses the code while handling an event of that frame.
 */
static inline PyCodeObject *
Cov_FrameCode(PyFrameObject *frame)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyCodeObject *code = PyFrame_GetCode(frame);   /* new reference */
    Py_DECREF(code);                               /* the frame holds one */
    return code;
#else
    return frame->f_code;
#endif
}

/* The bytecode of a code object as bytes: a new reference (3.11+ builds
 * it once and caches it on the code object), or a borrowed one on 3.10,
 * which Cov_CodeBytesDone releases accordingly.
 */
#if PY_VERSION_HEX >= 0x030B0000
#define Cov_CodeBytes(co)       (PyCode_GetCode(co))
#define Cov_CodeBytesDone(b)    Py_XDECREF(b)
#else
#define Cov_CodeBytes(co)       ((co)->co_code)
#define Cov_CodeBytesDone(b)    ((void)(b))
#endif

/* Where f_lasti points while a generator is suspended at a yield: at the
 * YIELD_VALUE on 3.11 and 3.12, at the RESUME after it on 3.13.
 */
#define COV_LASTI_AT_RESUME     ((PY_VERSION_HEX & 0xFFFF0000) == 0x030D0000)

/* 3.11 starts every code object with a RESUME, whose argument says why the
 * frame runs (0: its start; else after a yield or an await).  3.10 has
 * none; a suspended frame is at its YIELD_VALUE, or before its YIELD_FROM.
 */
#if PY_VERSION_HEX >= 0x030B0000
#define COVCORE_HAS_RESUME 1
#else
#define COVCORE_HAS_RESUME 0
#endif

/* 3.11 also brought the location table (co_linetable) whose format
 * CPython documents in Objects/locations.md; codelines.c reads its lines
 * directly.  3.10's line table is another format, read through co_lines().
 */
#define COVCORE_HAS_LOCATION_TABLE  COVCORE_HAS_RESUME

/* The bytecode family whose flow table (flowops.c) the sysmon core's
 * branch mode reads: 312 for 3.12, 313 for 3.13, 314 and 315, 0 where
 * there is none.
 */
#if (PY_VERSION_HEX & 0xFFFF0000) == 0x030C0000
#define COVCORE_BYTECODE_FAMILY 312
#elif (PY_VERSION_HEX & 0xFFFF0000) == 0x030D0000
#define COVCORE_BYTECODE_FAMILY 313
#elif (PY_VERSION_HEX & 0xFFFF0000) == 0x030E0000
#define COVCORE_BYTECODE_FAMILY 314
#elif (PY_VERSION_HEX & 0xFFFF0000) == 0x030F0000
#define COVCORE_BYTECODE_FAMILY 315
#else
#define COVCORE_BYTECODE_FAMILY 0
#endif

/* The numbers of sys.monitoring's events: public from 3.13 (Python.h
 * includes cpython/monitoring.h), where 3.14 inserted BRANCH_LEFT and
 * BRANCH_RIGHT before STOP_ITERATION and so renumbered the events after
 * them; 3.12's own numbering otherwise.
 */
#if COVCORE_HAS_SYSMON && PY_VERSION_HEX < 0x030D0000
#define PY_MONITORING_EVENT_PY_START 0
#define PY_MONITORING_EVENT_PY_RESUME 1
#define PY_MONITORING_EVENT_PY_RETURN 2
#define PY_MONITORING_EVENT_PY_YIELD 3
#define PY_MONITORING_EVENT_LINE 5
#define PY_MONITORING_EVENT_INSTRUCTION 6
#define PY_MONITORING_EVENT_JUMP 7
#define PY_MONITORING_EVENT_EXCEPTION_HANDLED 11
#define PY_MONITORING_EVENT_PY_UNWIND 12
#define PY_MONITORING_EVENT_PY_THROW 13
#endif

/* 3.12 and 3.13 keep each instruction's line as a byte, its distance from
 * co_firstlineno, and find a line further away by scanning the location
 * table from its start at every LINE event there (and again for the line
 * of the instruction before it): in a long code object each LINE event
 * costs time in proportion to the code's length.  The sysmon core takes
 * INSTRUCTION events instead in such code, and turns offsets into lines
 * with its own table (sysinstr.h).  3.14 keeps every line in a table of
 * its own: no such cost.
 */
#define COVCORE_HAS_INSTR_LINES (COVCORE_HAS_SYSMON && PY_VERSION_HEX < 0x030E0000)

/* 3.14 reports each direction of a conditional jump as its own event,
 * BRANCH_RIGHT (taken) and BRANCH_LEFT (not taken, after its NOT_TAKEN),
 * each disabled at its location on its own.
 */
#define COVCORE_HAS_BRANCH_EVENTS (COVCORE_HAS_SYSMON && PY_VERSION_HEX >= 0x030E0000)

/* 3.14 marks an instruction as a line start only when its line differs
 * from the line before it in the bytecode, skipping a loop's END_FOR and
 * POP_ITER: code after a loop on the line the loop body ended on (a
 * comprehension's target, a return) runs without a line event.  A frame
 * returning from there is seen on that line only at the return event, and
 * coverage.py then records the arc into that line before the exit arc.
 */
#define COVCORE_RETURN_LINE_UNREPORTED (PY_VERSION_HEX >= 0x030E0000)

/* Code flags of code objects whose frames can be suspended and resumed. */
#define COV_RESUMABLE_FLAGS \
    (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR | CO_ITERABLE_COROUTINE)

/* Switch the interpreter's "inside a trace or profile callback" state off
 * and on again for the current thread (public API from 3.11).
 */
#if PY_VERSION_HEX >= 0x030B0000
#define Cov_LeaveTracing(ts)    PyThreadState_LeaveTracing(ts)
#define Cov_EnterTracing(ts)    PyThreadState_EnterTracing(ts)
#else
static inline void
Cov_LeaveTracing(PyThreadState *ts)
{
    ts->tracing--;
    ts->cframe->use_tracing = (ts->c_tracefunc != NULL || ts->c_profilefunc != NULL);
}
static inline void
Cov_EnterTracing(PyThreadState *ts)
{
    ts->tracing++;
    ts->cframe->use_tracing = 0;
}
#endif

/* A thread's link to its running Python frames: the innermost one, from
 * which each frame's f_back leads to the next.  Cov_DetachFrames empties it
 * (a frame evaluated then has no f_back, as in a new thread) and returns it
 * for Cov_AttachFrames to put back: 3.10 keeps the innermost frame object
 * in the thread state, 3.11 and 3.12 the innermost interpreter frame in the
 * thread's C frame, 3.13 in the thread state.  (In 3.12+ the evaluation
 * loop links each frame it starts to an entry frame whose `previous` is
 * this link; none of them owns a reference.)
 */
#if PY_VERSION_HEX >= 0x030B0000
typedef struct _PyInterpreterFrame *Cov_FrameLink;
#else
typedef PyFrameObject *Cov_FrameLink;
#endif

static inline Cov_FrameLink
Cov_DetachFrames(PyThreadState *ts)
{
    Cov_FrameLink link;
#if PY_VERSION_HEX >= 0x030D0000
    link = ts->current_frame;
    ts->current_frame = NULL;
#elif PY_VERSION_HEX >= 0x030B0000
    link = ts->cframe->current_frame;
    ts->cframe->current_frame = NULL;
#else
    link = ts->frame;
    ts->frame = NULL;
#endif
    return link;
}

static inline void
Cov_AttachFrames(PyThreadState *ts, Cov_FrameLink link)
{
#if PY_VERSION_HEX >= 0x030D0000
    ts->current_frame = link;
#elif PY_VERSION_HEX >= 0x030B0000
    ts->cframe->current_frame = link;
#else
    ts->frame = link;
#endif
}

#if COVCORE_HAS_SYSMON
/* The innermost interpreter frame of a thread (the running one for the
 * current thread): 3.13 moved it from the thread's C frame to the thread.
 */
static inline struct _PyInterpreterFrame *
Cov_ThreadFrame(PyThreadState *ts)
{
#if PY_VERSION_HEX >= 0x030D0000
    return ts->current_frame;
#else
    return ts->cframe != NULL ? ts->cframe->current_frame : NULL;
#endif
}
#endif

/* The instruction at byte offset `offset` of the code's bytecode: its
 * opcode and its argument byte.  1 when there is one, 0 when the offset is
 * outside the bytecode (or the bytecode can't be read: no exception left).
 */
int Cov_InstrAt(PyCodeObject *code, int offset, int *op, int *arg);

/* The byte offset just past the code's first RESUME: where its body starts
 * (0 without RESUME, before 3.11).
 */
Py_ssize_t Cov_BodyStart(PyCodeObject *code);

/* Room for one more item in a growable array `*items` of `item_size`-byte
 * items of which `used` are taken and `*alloc` allocated: when it is full,
 * the array doubles (to `first` items the first time; PyMem, or PyMem_Raw
 * when `raw`).  RET_OK, or RET_ERROR with MemoryError and the array as it
 * was.  `items` is the address of the array's pointer, of any type: use
 * COV_RESERVE.
 */
int Cov_Reserve(void *items, Py_ssize_t used, Py_ssize_t *alloc, size_t item_size, Py_ssize_t first, int raw);

#define COV_RESERVE(array, used, alloc, first) \
    ((used) < (alloc) ? RET_OK : Cov_Reserve(&(array), (used), &(alloc), sizeof *(array), (first), 0))
#define COV_RESERVE_RAW(array, used, alloc, first) \
    ((used) < (alloc) ? RET_OK : Cov_Reserve(&(array), (used), &(alloc), sizeof *(array), (first), 1))

/* The names the cores look attributes up by, interned once at module init
 * (Cov_InternNames).  A lookup by a C string (PyObject_CallMethod(obj,
 * "name", ...)) makes a new string each time, and CPython's type attribute
 * cache keeps a reference to every name it is given until its entry is
 * reused: after many starts and stops, thousands of dead strings, which a
 * debug build's sys.gettotalrefcount() counts as a leak
 * (tests/test_refleaks.py).
 */
#define COV_NAMES(X) \
    X(co_lines) X(get_tool) X(use_tool_id) X(free_tool_id) X(register_callback) \
    X(set_events) X(set_local_events) X(restart_events) X(_current_frames) X(stop) \
    X(monitoring) X(DISABLE) \
    X(_on_py_start) X(_on_line) X(_on_py_resume) X(_on_py_throw) X(_on_py_return) \
    X(_on_py_yield) X(_on_py_unwind) X(_on_jump) X(_on_exception_handled) X(_on_branch_left) \
    X(_on_branch_right) X(_on_instruction)

typedef struct CovNames {
#define COV_NAME_FIELD(name) PyObject *name;
    COV_NAMES(COV_NAME_FIELD)
#undef COV_NAME_FIELD
} CovNames;

extern CovNames Cov_names;      /* owned (immortal once interned) */

/* Intern Cov_names.  RET_OK or RET_ERROR. */
int Cov_InternNames(void);

/* obj.name(*args): `format` builds the arguments as Py_BuildValue does, as a
 * tuple ("(ii)"), or is NULL for none.  A new reference, or NULL with an
 * exception set.
 */
PyObject *Cov_CallMethod(PyObject *obj, PyObject *name, const char *format, ...);

#endif /* COVCORE_UTIL_H */
