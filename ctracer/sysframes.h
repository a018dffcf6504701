/* SysFrames: the sys.monitoring core's frames in branch mode (its callbacks are in sysevents.c):
 * a stack of entries per thread, and the entries of suspended generators.
 */
#ifndef COVCORE_SYSFRAMES_H
#define COVCORE_SYSFRAMES_H

#include "sysmon.h"

#if COVCORE_HAS_SYSMON

#define NO_LINE INT32_MIN   /* last_line of a resumed frame whose entry was lost */
#define AFTER_RESUME (INT32_MIN + 1)    /* prev_line of a frame right after a RESUME */

/* The frame running now, in this thread. */
static inline struct _PyInterpreterFrame *
current_iframe(void)
{
    return Cov_ThreadFrame(PyThreadState_GET());
}

/* This thread's stack, created on first use; NULL with an exception set. */
ThreadStack *SysFrames_thread(SysMon *self);

/* Push an entry for the running frame of `code`.  RET_OK or RET_ERROR. */
int SysFrames_push(SysMon *self, PyCodeObject *code, LineSet *file_data, CodeRecord *record, int last_line);

/* The running frame's entry, if it is the innermost of this thread and
 * belongs to `code`, else NULL (frames that were running before start()
 * have no entry).  Entries of frames that ended unseen above it are
 * dropped.  *pstack is set to this thread's stack.
 */
SysMonEntry *SysFrames_top(SysMon *self, PyCodeObject *code, ThreadStack **pstack);

/* Keep a suspended frame's entry, by frame.  RET_OK or RET_ERROR. */
int Suspended_put(SuspendedTable *table, const SysMonEntry *entry);

/* Take the entry of `iframe` out of the table: 1 when there was one (of `code`). */
int Suspended_take(SuspendedTable *table, struct _PyInterpreterFrame *iframe, PyCodeObject *code,
                   SysMonEntry *out);

/* Drop the entries of `code`'s frames from every thread's stack and the
 * suspended table: its frames are untracked from now on.
 */
void SysFrames_forget(SysMon *self, PyCodeObject *code);

/* Give each running frame of `code` without an entry an exact one, in its
 * place on its thread's stack (every thread's), its last line the line it
 * is on (`current_line` for `current`, whose line event is being handled).
 * For NULL, the frames of all such code whose readers may need them (after
 * a clear of the data: frames untracked while their readers were satisfied,
 * see frames_unneeded() in sysdone.h).  Only code whose frames are all on
 * their threads' chains (not generator-like, `sat_allowed`).  RET_OK or
 * RET_ERROR.
 */
int SysFrames_adopt(SysMon *self, PyCodeObject *code, struct _PyInterpreterFrame *current, int current_line);

/* Suspended frames of `code` (of any code for NULL) resume exact. */
void SysFrames_make_suspended_stale(SysMon *self, PyCodeObject *code);

/* Drop the entries of frames no longer on their thread's chain of running
 * frames.  RET_OK or RET_ERROR.
 */
int SysFrames_drop_stale(SysMon *self);

#endif

#endif /* COVCORE_SYSFRAMES_H */
