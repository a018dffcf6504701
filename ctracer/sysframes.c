/* SysFrames: see sysframes.h. */

#include "sysframes.h"
#include "syscode.h"

#if COVCORE_HAS_SYSMON

/*
 * Thread stacks (branch mode).
 */

ThreadStack *
SysFrames_thread(SysMon *self)
{
    PyThreadState *tstate = PyThreadState_Get();
    uint64_t id = PyThreadState_GetID(tstate);
    if (tstate == self->cur_tstate && self->threads[self->cur_thread].thread_id == id) {
        return &self->threads[self->cur_thread];
    }
    for (Py_ssize_t i = 0; i < self->n_threads; i++) {
        if (self->threads[i].thread_id == id) {
            self->cur_tstate = tstate;
            self->cur_thread = i;
            return &self->threads[i];
        }
    }
    if (COV_RESERVE(self->threads, self->n_threads, self->alloc_threads, 8) < 0) {
        return NULL;
    }
    ThreadStack *stack = &self->threads[self->n_threads];
    stack->thread_id = id;
    stack->entries = NULL;
    stack->depth = -1;
    stack->alloc = 0;
    self->cur_tstate = tstate;
    self->cur_thread = self->n_threads++;
    return stack;
}

int
SysFrames_push(SysMon *self, PyCodeObject *code, LineSet *file_data, CodeRecord *record, int last_line)
{
    ThreadStack *stack = SysFrames_thread(self);
    if (stack == NULL) {
        return RET_ERROR;
    }
    if (stack->depth + 1 >= stack->alloc) {
        if (COV_RESERVE(stack->entries, stack->depth + 1, stack->alloc, 64) < 0) {
            return RET_ERROR;
        }
        STATS(self->stats.stack_reallocs++);
    }
    SysMonEntry *entry = &stack->entries[++stack->depth];
    entry->code = code;
    entry->file_data = file_data;
    entry->record = record;
    entry->last_line = last_line;
    entry->iframe = current_iframe();
    entry->exact = 0;
    entry->stale = 0;
    entry->prev_line = AFTER_RESUME;    /* (a PY_START or PY_RESUME event: see sysinstr.h) */
    return RET_OK;
}

/*
 * Suspended generator frames of modelled code keep their entry (their last
 * written line) here between PY_YIELD and PY_RESUME.
 */

static inline Py_ssize_t
suspended_slot(const SuspendedTable *table, struct _PyInterpreterFrame *iframe)
{
    uintptr_t h = (uintptr_t)iframe >> 4;
    return (Py_ssize_t)((h * 0x9E3779B97F4A7C15ULL) >> 20) & (table->alloc - 1);
}

int
Suspended_put(SuspendedTable *table, const SysMonEntry *entry)
{
    if ((table->used + 1) * 2 > table->alloc) {
        Py_ssize_t alloc = table->alloc ? table->alloc * 2 : 64;
        SysMonEntry *old = table->slots;
        Py_ssize_t old_alloc = table->alloc;
        table->slots = PyMem_Calloc((size_t)alloc, sizeof(SysMonEntry));
        if (table->slots == NULL) {
            table->slots = old;
            PyErr_NoMemory();
            return RET_ERROR;
        }
        table->alloc = alloc;
        table->used = 0;
        for (Py_ssize_t i = 0; i < old_alloc; i++) {
            if (old[i].iframe != NULL) {
                Suspended_put(table, &old[i]);
            }
        }
        PyMem_Free(old);
    }
    Py_ssize_t i = suspended_slot(table, entry->iframe);
    while (table->slots[i].iframe != NULL && table->slots[i].iframe != entry->iframe) {
        i = (i + 1) & (table->alloc - 1);
    }
    table->used += table->slots[i].iframe == NULL;
    table->slots[i] = *entry;
    return RET_OK;
}

/* Remove slot `i`, moving later entries of its run back (no tombstones). */
static void
suspended_remove_at(SuspendedTable *table, Py_ssize_t i)
{
    Py_ssize_t mask = table->alloc - 1;
    table->slots[i].iframe = NULL;
    table->used--;
    Py_ssize_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (table->slots[j].iframe == NULL) {
            return;
        }
        Py_ssize_t home = suspended_slot(table, table->slots[j].iframe);
        /* Move it back if its home is not cyclically in (i, j]. */
        if ((i < j) ? (home <= i || home > j) : (home <= i && home > j)) {
            table->slots[i] = table->slots[j];
            table->slots[j].iframe = NULL;
            i = j;
        }
    }
}

/* Take the entry of `iframe` out of the table: 1 when there was one (of `code`). */
int
Suspended_take(SuspendedTable *table, struct _PyInterpreterFrame *iframe, PyCodeObject *code,
               SysMonEntry *out)
{
    if (table->used == 0) {
        return 0;
    }
    Py_ssize_t i = suspended_slot(table, iframe);
    while (table->slots[i].iframe != NULL) {
        if (table->slots[i].iframe == iframe) {
            int mine = table->slots[i].code == code;
            if (mine) {
                *out = table->slots[i];
            }
            suspended_remove_at(table, i);
            return mine;
        }
        i = (i + 1) & (table->alloc - 1);
    }
    return 0;
}

#define MAX_STALE 16     /* how deep SysFrames_top() looks for the running frame's entry */

/* The running frame's entry, if it is the innermost of this thread and
 * belongs to `code`, else NULL
 * (frames that were running before start() have no entry).
 */
SysMonEntry *
SysFrames_top(SysMon *self, PyCodeObject *code, ThreadStack **pstack)
{
    ThreadStack *stack = SysFrames_thread(self);
    if (stack == NULL) {
        return NULL;
    }
    *pstack = stack;
    if (stack->depth < 0) {
        return NULL;
    }
    SysMonEntry *top = &stack->entries[stack->depth];
    struct _PyInterpreterFrame *iframe = current_iframe();
    if (top->iframe == iframe) {
        return top->code == code ? top : NULL;
    }
    /* Not the running frame's entry: that frame is untracked, or frames it
     * called ended unseen and their entries are stale: drop those.
     */
    for (Py_ssize_t i = stack->depth - 1; i >= 0 && i >= stack->depth - MAX_STALE; i--) {
        if (stack->entries[i].iframe == iframe) {
            for (Py_ssize_t j = i + 1; j <= stack->depth; j++) {
                stack->entries[j].record->branch.exact_frames -= stack->entries[j].exact;
            }
            stack->depth = i;
            return stack->entries[i].code == code ? &stack->entries[i] : NULL;
        }
    }
    return NULL;
}

/* Suspended generator frames of `code` (of any code for NULL) may have a
 * stale last written line: they resume exact (see resume_frame()).  Their
 * frames are not looked at: a generator closed without an event (3.13
 * closes one suspended outside any handler silently) leaves its entry
 * behind, and its memory may be gone.  Such an entry is never taken: its
 * frame never resumes, and a new frame at the same place yields first.
 */
void
SysFrames_make_suspended_stale(SysMon *self, PyCodeObject *code)
{
    SuspendedTable *table = &self->suspended;
    for (Py_ssize_t i = 0; i < table->alloc; i++) {
        SysMonEntry *entry = &table->slots[i];
        if (entry->iframe != NULL && (code == NULL || entry->code == code)) {
            entry->stale = 1;
        }
    }
}

/* The frame a running frame was called from (the second field of CPython
 * 3.12's and 3.13's _PyInterpreterFrame, `previous`), for frames known live.
 */
static inline struct _PyInterpreterFrame *
previous_iframe(struct _PyInterpreterFrame *iframe)
{
    return ((struct _PyInterpreterFrame **)iframe)[1];
}

static int
compare_pointers(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Drop the entries of frames that ended without an event reaching us: an
 * entry is kept only if its frame is on its thread's chain of running
 * frames, so that its frame can be read (line_reached() in sysdone.h,
 * SysDone_data_cleared() in sysdone.c).
 */
int
SysFrames_drop_stale(SysMon *self)
{
    int ret = RET_ERROR;
    uintptr_t *live = NULL;     /* owned */
    Py_ssize_t alloc = 0;
    PyInterpreterState *interp = PyInterpreterState_Get();
    for (Py_ssize_t t = 0; t < self->n_threads; t++) {
        ThreadStack *stack = &self->threads[t];
        if (stack->depth < 0) {
            continue;
        }
        Py_ssize_t n_live = 0;
        for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts != NULL; ts = PyThreadState_Next(ts)) {
            if (PyThreadState_GetID(ts) != stack->thread_id) {
                continue;
            }
            for (struct _PyInterpreterFrame *iframe = Cov_ThreadFrame(ts); iframe != NULL;
                 iframe = previous_iframe(iframe)) {
                if (COV_RESERVE(live, n_live, alloc, 256) < 0) {
                    goto error;
                }
                live[n_live++] = (uintptr_t)iframe;
            }
        }
        if (n_live > 0) {
            qsort(live, (size_t)n_live, sizeof(uintptr_t), compare_pointers);
        }
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i <= stack->depth; i++) {
            uintptr_t key = (uintptr_t)stack->entries[i].iframe;
            if (n_live > 0 && bsearch(&key, live, (size_t)n_live, sizeof(uintptr_t), compare_pointers) != NULL) {
                stack->entries[kept++] = stack->entries[i];
            }
            else if (stack->entries[i].exact) {
                stack->entries[i].record->branch.exact_frames--;
            }
        }
        stack->depth = kept - 1;
    }
    ret = RET_OK;
error:
    PyMem_Free(live);
    return ret;
}

/* This thread's stack by id, created when missing; NULL with an exception set. */
static ThreadStack *
stack_of(SysMon *self, uint64_t id)
{
    for (Py_ssize_t i = 0; i < self->n_threads; i++) {
        if (self->threads[i].thread_id == id) {
            return &self->threads[i];
        }
    }
    if (COV_RESERVE(self->threads, self->n_threads, self->alloc_threads, 8) < 0) {
        return NULL;
    }
    self->cur_tstate = NULL;    /* (the cached index stays right, the pointer check fails) */
    ThreadStack *stack = &self->threads[self->n_threads++];
    stack->thread_id = id;
    stack->entries = NULL;
    stack->depth = -1;
    stack->alloc = 0;
    return stack;
}

/* Is a frame of `fcode` one SysFrames_adopt() takes?  Its record, or NULL.
 * For `code` NULL (data cleared): any frame of modelled code whose readers
 * may need it, whatever left it without an entry.
 */
static CodeRecord *
adoptable(SysMon *self, PyCodeObject *code, PyCodeObject *fcode)
{
    if (code != NULL && fcode != code) {
        return NULL;
    }
    CodeRecord *record = code_record(self, fcode);
    if (record == NULL || record->file_data == NULL || record->branch.state != FLOW_ON || !record->branch.sat_allowed
        || (code == NULL && (!record->branch.flow->has_readers || record->branch.readers_done))) {
        return NULL;
    }
    return record;
}

/* Adopt the frames of one thread's chain (innermost first, `n`). */
static int
adopt_in_chain(SysMon *self, PyCodeObject *code, uint64_t id, struct _PyInterpreterFrame **chain, Py_ssize_t n,
               struct _PyInterpreterFrame *current, int current_line)
{
    ThreadStack *stack = NULL;
    SysMonEntry *merged = NULL;     /* owned */
    Py_ssize_t n_merged = 0, alloc = 0;
    int ret = RET_ERROR;
    /* Outermost first, as the stack is: the entries kept, the new ones among them. */
    for (Py_ssize_t pos = n - 1; pos >= 0; pos--) {
        struct _PyInterpreterFrame *iframe = chain[pos];
        if (stack == NULL && (stack = stack_of(self, id)) == NULL) {
            goto error;
        }
        int found = 0;
        for (Py_ssize_t i = 0; i <= stack->depth; i++) {
            if (stack->entries[i].iframe == iframe) {
                if (COV_RESERVE(merged, n_merged, alloc, 16) < 0) {
                    goto error;
                }
                merged[n_merged++] = stack->entries[i];
                found = 1;
            }
        }
        if (found) {
            continue;
        }
        PyObject *fcode = PyUnstable_InterpreterFrame_GetCode(iframe);   /* owned; None for an entry frame */
        CodeRecord *record = fcode != NULL && PyCode_Check(fcode) ? adoptable(self, code, (PyCodeObject *)fcode) : NULL;
        if (record != NULL) {
            if (COV_RESERVE(merged, n_merged, alloc, 16) < 0) {
                Py_DECREF(fcode);
                goto error;
            }
            merged[n_merged++] = (SysMonEntry){
                .code = (PyCodeObject *)fcode, .file_data = record->file_data, .record = record,
                .last_line = iframe == current ? current_line : PyUnstable_InterpreterFrame_GetLine(iframe),
                .iframe = iframe, .exact = 1, .stale = 0,
            };
            record->branch.exact_frames++;
            /* Its frames are tracked now: asked again, the answer is news. */
            record->branch.sat_state = SAT_UNKNOWN;
        }
        Py_XDECREF(fcode);      /* (the running frame keeps it alive) */
    }
    if (stack != NULL) {
        if (COV_RESERVE(stack->entries, n_merged, stack->alloc, 64) < 0) {
            goto error;
        }
        if (n_merged > 0) {
            memcpy(stack->entries, merged, (size_t)n_merged * sizeof(SysMonEntry));
        }
        stack->depth = n_merged - 1;
    }
    ret = RET_OK;
error:
    PyMem_Free(merged);
    return ret;
}

int
SysFrames_adopt(SysMon *self, PyCodeObject *code, struct _PyInterpreterFrame *current, int current_line)
{
    /* Every entry kept is then of a live frame, found on its chain. */
    if (SysFrames_drop_stale(self) < 0) {
        return RET_ERROR;
    }
    int ret = RET_ERROR;
    struct _PyInterpreterFrame **chain = NULL;      /* owned */
    Py_ssize_t alloc = 0;
    PyInterpreterState *interp = PyInterpreterState_Get();
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts != NULL; ts = PyThreadState_Next(ts)) {
        Py_ssize_t n = 0;
        int wanted = 0;
        for (struct _PyInterpreterFrame *iframe = Cov_ThreadFrame(ts); iframe != NULL; iframe = previous_iframe(iframe)) {
            if (COV_RESERVE(chain, n, alloc, 256) < 0) {
                goto error;
            }
            chain[n++] = iframe;
            PyObject *fcode = PyUnstable_InterpreterFrame_GetCode(iframe);   /* owned; None for an entry frame */
            wanted |= fcode != NULL && PyCode_Check(fcode) && adoptable(self, code, (PyCodeObject *)fcode) != NULL;
            Py_XDECREF(fcode);
        }
        if (wanted && adopt_in_chain(self, code, PyThreadState_GetID(ts), chain, n, current, current_line) < 0) {
            goto error;
        }
    }
    ret = RET_OK;
error:
    PyMem_Free(chain);
    return ret;
}

void
SysFrames_forget(SysMon *self, PyCodeObject *code)
{
    for (Py_ssize_t t = 0; t < self->n_threads; t++) {
        ThreadStack *stack = &self->threads[t];
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i <= stack->depth; i++) {
            if (stack->entries[i].code != code) {
                stack->entries[kept++] = stack->entries[i];
            }
            else if (stack->entries[i].exact) {
                stack->entries[i].record->branch.exact_frames--;
            }
        }
        stack->depth = kept - 1;
    }
    SuspendedTable *table = &self->suspended;
    for (Py_ssize_t i = 0; i < table->alloc && table->used > 0;) {
        if (table->slots[i].iframe != NULL && table->slots[i].code == code) {
            suspended_remove_at(table, i);     /* slot i may hold a moved entry now */
        }
        else {
            i++;
        }
    }
}

#endif
