/* CodeRecord: what covcore keeps on a code object, in one co_extra slot.
 *
 * Both cores keep per-code state across events: the settrace core the
 * lines a code object can report (codelines.c), the sys.monitoring core
 * its decision for the current run and the state of each of its modes.
 * All of it lives in one record per code object, in one co_extra slot
 * reserved at module init; each core fills in the parts it uses, on first
 * need, and a record the other core made is simply found with its own
 * parts still empty (the record is zeroed when made).  The record lives as
 * long as the code object: CPython frees it with the code.
 */
#ifndef COVCORE_CODERECORD_H
#define COVCORE_CODERECORD_H

#include "util.h"
#include "lineset.h"
#include "codelines.h"

#if COVCORE_HAS_SYSMON
#include "sysflow.h"

/* Line mode of the sys.monitoring core: where a measured code object
 * stands (see syslines.h for the machine).
 */
enum {
    LINES_COUNTING,     /* PY_START stays on until the code is found hot */
    LINES_WATCHED,      /* hot: PY_START off */
    LINES_OFF,          /* every line recorded: no local events */
    LINES_ON,           /* not worth watching: LINE events until stop() */
};

/* The line-mode part of a record, for the run in `generation`. */
typedef struct SysLineMode {
    int state;              /* LINES_* */
    int starts;             /* PY_START events seen while LINES_COUNTING */
    Py_ssize_t missing;     /* lines not recorded yet, as last counted (0: not counted) */
} SysLineMode;

/* Branch mode of the sys.monitoring core: where a measured code object
 * stands (see sysdone.h).
 */
enum {
    FLOW_NONE,      /* outside the model, or running at start(): always tracked */
    FLOW_ON,        /* tracked until every arc of its flow is recorded */
    FLOW_OFF,       /* every arc recorded: no local events, frames untracked */
    FLOW_QUIET,     /* as FLOW_OFF, but some arcs that follow a caught
                     * exception are missing: an EXCEPTION_HANDLED event in
                     * a frame of it turns it back on (see sysdone.h) */
};

/* Do frames of FLOW_ON code need tracking (a stack entry each)?  See
 * frames_unneeded() in sysdone.h.
 */
enum {
    SAT_UNKNOWN,    /* to be computed at the next question */
    SAT_NO,         /* a reader may need a frame's last written line */
    SAT_YES,        /* every reader is satisfied: frames go untracked, and the
                     * first reach of a line that feeds one tracks them again */
};

/* The branch-mode part of a record.  `flow` and `flow_built` depend on the
 * code only and are kept from run to run; the rest is reset by each run's
 * decision (decide_flow() in syscode.c).
 */
typedef struct SysBranchMode {
    CodeFlow *flow;         /* owned: the code's arcs (sysflow.c), NULL when outside the model */
    int flow_built;         /* `flow` was computed */
    int state;              /* FLOW_*, for this run */
    int readers_done;       /* FLOW_ON: every reading line's arcs are recorded,
                             * so frames need no tracking (see untracked()) */
    uint64_t readers_version;   /* file_data's version when readers_done was last computed */
    unsigned char *reached; /* owned, PyMem_Raw: per line of the flow (n_lines + 1
                             * bytes), 1 once it has run in this run */
    Py_ssize_t satisfied_off;   /* locations turned off with a reader's arcs
                                 * still missing (see location_done()) */
    uint64_t seen_version;  /* file_data's version at the last completeness check */
    Py_ssize_t missing;     /* index of an arc of `flow` found missing then */
    Py_ssize_t normal_missing;  /* the same in flow->normal */
    int caught;             /* an exception was caught in a frame of it in this
                             * run: it never turns FLOW_QUIET again (a frame
                             * past a handler records more than flow->normal) */
    Py_ssize_t exact_frames;    /* entries of the code's frames with `exact` set
                                 * (see SysMonEntry): while there are any, no
                                 * location of it turns off; the frame stacks
                                 * (sysframes.c) count it down as entries go */
    int sat_allowed;        /* frames may go untracked while every reader is
                             * satisfied: not generator-like code, whose
                             * suspended frames no thread's chain shows */
    int sat_state;          /* SAT_* (sysdone.h): are frames needed now? */
    int any_reached;        /* some line of `reached` is set */
    uint64_t sat_version;   /* file_data's version when sat_state was computed */
    int deferred;           /* the flow is not built yet: FLOW_NONE (exact) meanwhile,
                             * built at the code's second start or after
                             * DEFER_LINES line events (SysCode_undefer());
                             * 1: decided, 2: started once */
    int deferred_lines;     /* line events while deferred */
    int exit_offset;        /* a return location whose exit arcs are in file_data
                             * while its version is exit_version: a tracked frame
                             * returning there needs nothing more (leave_frame()
                             * in sysevents.c); -1: none */
    uint64_t exit_version;
} SysBranchMode;

#endif /* COVCORE_HAS_SYSMON */

typedef struct CodeRecord {
    CodeLines *code_lines;      /* owned, NULL until first asked for: the lines the
                                 * code can report, and whether they are all
                                 * recorded (codelines.c; line mode of both cores) */
#if COVCORE_HAS_SYSMON
    /* The sys.monitoring core's decision, for one run. */
    uint64_t generation;        /* the SysMon run that decided (0: none yet) */
    LineSet *file_data;         /* borrowed, valid while that run's data lives;
                                 * NULL: not measured */
    SysLineMode line_mode;      /* line mode, for that run */
    SysBranchMode branch;       /* branch mode */
#endif
#if COVCORE_HAS_INSTR_LINES
    /* INSTRUCTION events for LINE events (sysinstr.h).  The table and the
     * cost depend on the code only and are kept from run to run.
     */
    struct InstrLines *instr_lines; /* owned, NULL until built */
    int instr_built;            /* instr_lines was built (NULL: the code does not parse) */
    int instr_ready;            /* INSTRUCTION events can be given (SysInstr_before_events()) */
    Py_ssize_t instr_cost;      /* the scans its LINE events would cost (-1: not known yet) */
    int instr;                  /* for that run: INSTRUCTION events stand in for LINE events */
#endif
} CodeRecord;

/* The co_extra slot of every record, reserved by CodeRecord_init_module().
 *
 * Process-wide by nature: CPython hands out co_extra indexes per
 * interpreter, once, and they cannot be given back, so the slot is
 * reserved once at module init and only read afterwards.  (The module is
 * single-phase, one instance per process.)  -1 before init.
 */
extern Py_ssize_t CodeRecord_slot;

/* Module init: reserve the slot.  RET_OK or RET_ERROR. */
int CodeRecord_init_module(void);

/* The record of `code`, or NULL in *out when it has none yet.  RET_OK, or
 * RET_ERROR with an exception set.  Inline: the cores ask on hot paths.
 */
static inline int
CodeRecord_Get(PyCodeObject *code, CodeRecord **out)
{
    void *extra = NULL;
    if (Cov_CodeGetExtra((PyObject *)code, CodeRecord_slot, &extra) < 0) {
        *out = NULL;
        return RET_ERROR;
    }
    *out = (CodeRecord *)extra;
    return RET_OK;
}

/* The record of `code`, made (zeroed) and set on it when it has none:
 * borrowed (the code owns it), or NULL with an exception set.
 */
CodeRecord *CodeRecord_Make(PyCodeObject *code);

#endif /* COVCORE_CODERECORD_H */
