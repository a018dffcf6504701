/* TracerCtx: one data stack per greenlet, see tracectx.h. */

#include "tracectx.h"


/* Copy the active stack into its slot; the active fields are left as they are. */
static void
save_active(CTracer *self)
{
    ContextStack *slot = &self->contexts[self->cur_index];
    slot->stack = self->stack;
    slot->depth = self->depth;
    slot->alloc = self->alloc;
}

/* A slot for a greenlet seen for the first time: a free one, or a new one.
 * Its index, or -1 with an exception set.
 */
static Py_ssize_t
new_context_slot(CTracer *self, void *context)
{
    Py_ssize_t index = self->free_context;
    if (index >= 0) {
        self->free_context = self->contexts[index].next_free;
    }
    else {
        if (COV_RESERVE(self->contexts, self->n_contexts, self->alloc_contexts, 16) < 0) {
            return -1;
        }
        index = self->n_contexts++;
        self->contexts[index].stack = NULL;
        self->contexts[index].alloc = 0;
    }
    ContextStack *slot = &self->contexts[index];
    slot->context = context;
    slot->depth = -1;
    slot->next_free = -1;
    return index;
}

/* Make `context`'s stack the active one. */
static int
switch_context(CTracer *self, void *context)
{
    int ret = RET_ERROR;
    PyObject *key = NULL;       /* owned */
    PyObject *value = NULL;     /* owned */
    PyObject *found;            /* borrowed from context_index */
    Py_ssize_t index;

    if (self->cur_context != NULL) {
        save_active(self);
    }
    else {
        /* The active stack belongs to no greenlet (after start(), a release
         * or an error): it is empty, and the slot's buffer replaces it.
         */
        PyMem_Free(self->stack);
        self->stack = NULL;
        self->alloc = 0;
        self->depth = -1;
    }
    STATS(self->stats.context_switches++);
    key = PyLong_FromVoidPtr(context);
    if (key == NULL) {
        goto error;
    }
    found = PyDict_GetItemWithError(self->context_index, key);
    if (found != NULL) {
        index = PyLong_AsSsize_t(found);
        if (index == -1 && PyErr_Occurred()) {
            goto error;
        }
    }
    else {
        if (PyErr_Occurred()) {
            goto error;
        }
        index = new_context_slot(self, context);
        if (index < 0) {
            goto error;
        }
        value = PyLong_FromSsize_t(index);
        if (value == NULL || PyDict_SetItem(self->context_index, key, value) < 0) {
            /* The slot stays free for later. */
            self->contexts[index].context = NULL;
            self->contexts[index].next_free = self->free_context;
            self->free_context = index;
            goto error;
        }
    }
    ContextStack *slot = &self->contexts[index];
    self->stack = slot->stack;
    self->depth = slot->depth;
    self->alloc = slot->alloc;
    self->cur_context = context;
    self->cur_index = index;
    ret = RET_OK;
error:
    if (ret != RET_OK) {
        /* The saved stack stays in its slot; the active one is no greenlet's. */
        self->stack = NULL;
        self->alloc = 0;
        self->depth = -1;
        self->cur_context = NULL;
    }
    Py_XDECREF(key);
    Py_XDECREF(value);
    return ret;
}

int
TracerCtx_release(CTracer *self)
{
    PyObject *key = PyLong_FromVoidPtr(self->cur_context);     /* owned */
    if (key == NULL) {
        return RET_ERROR;
    }
    int rc = PyDict_DelItem(self->context_index, key);
    Py_DECREF(key);
    save_active(self);
    ContextStack *slot = &self->contexts[self->cur_index];
    slot->context = NULL;
    slot->next_free = self->free_context;
    self->free_context = self->cur_index;
    self->stack = NULL;
    self->alloc = 0;
    self->depth = -1;
    self->cur_context = NULL;
    return rc;
}

void
TracerCtx_forget(CTracer *self)
{
    if (self->cur_context != NULL) {
        save_active(self);
        self->stack = NULL;
        self->alloc = 0;
        self->depth = -1;
        self->cur_context = NULL;
    }
    for (Py_ssize_t i = 0; i < self->n_contexts; i++) {
        ContextStack *slot = &self->contexts[i];
        if (slot->context != NULL) {
            for (; slot->depth >= 0; slot->depth--) {
                Py_CLEAR(slot->stack[slot->depth].file_data);
                Py_CLEAR(slot->stack[slot->depth].plugin);
                Py_CLEAR(slot->stack[slot->depth].frame);
            }
        }
        PyMem_Free(slot->stack);
    }
    self->n_contexts = 0;
    self->free_context = -1;
    if (self->context_index != NULL) {
        PyDict_Clear(self->context_index);
    }
}

int
TracerCtx_follow(CTracer *self, PyFrameObject *frame, int what)
{
    if (what != PyTrace_CALL && self->depth >= 0 && self->stack[self->depth].frame == frame) {
        return RET_OK;
    }
    STATS(self->stats.context_checks++);
    PyObject *current = PyObject_CallNoArgs(self->concurrency_id);  /* owned */
    if (current == NULL) {
        return RET_ERROR;
    }
    /* Only the identity is kept; the running greenlet is alive anyway. */
    void *context = (void *)current;
    Py_DECREF(current);
    if (context == self->cur_context) {
        return RET_OK;
    }
    return switch_context(self, context);
}
