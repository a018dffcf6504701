/* LineSet: a hash set of line numbers or arcs, see lineset.h. */

#include "lineset.h"

int (*LineSet_clear_hook)(void) = NULL;

#define MIN_CAPACITY 16

static inline Py_ssize_t
slot_of(uint64_t key, Py_ssize_t mask)
{
    /* Fibonacci hashing: spreads consecutive line numbers over the table. */
    return (Py_ssize_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

/* Put a key known to be absent into a table with room for it. */
static void
insert_fresh(uint64_t *keys, Py_ssize_t capacity, uint64_t key)
{
    Py_ssize_t mask = capacity - 1;
    Py_ssize_t i = slot_of(key, mask);
    while (keys[i] != LINESET_EMPTY_KEY) {
        i = (i + 1) & mask;
    }
    keys[i] = key;
}

static int
grow(LineSet *self)
{
    Py_ssize_t new_capacity = self->capacity ? self->capacity * 2 : MIN_CAPACITY;
    uint64_t *new_keys = PyMem_Malloc((size_t)new_capacity * sizeof(uint64_t));
    if (new_keys == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    /* All bits set is EMPTY_KEY. */
    memset(new_keys, 0xFF, (size_t)new_capacity * sizeof(uint64_t));
    for (Py_ssize_t i = 0; i < self->capacity; i++) {
        if (self->keys[i] != LINESET_EMPTY_KEY) {
            insert_fresh(new_keys, new_capacity, self->keys[i]);
        }
    }
    PyMem_Free(self->keys);
    self->keys = new_keys;
    self->capacity = new_capacity;
    return RET_OK;
}

int
LineSet_AddKey(LineSet *self, uint64_t key)
{
    if (key == LINESET_EMPTY_KEY) {
        if (!self->has_empty_key) {
            self->has_empty_key = 1;
            self->version++;
        }
        return RET_OK;
    }
    if (self->capacity) {
        Py_ssize_t mask = self->capacity - 1;
        Py_ssize_t i = slot_of(key, mask);
        for (;;) {
            uint64_t k = self->keys[i];
            if (k == key) {
                return RET_OK;
            }
            if (k == LINESET_EMPTY_KEY) {
                break;
            }
            i = (i + 1) & mask;
        }
        /* Absent.  Keep the load factor under 1/2 so probes stay short. */
        if ((self->used + 1) * 2 <= self->capacity) {
            self->keys[i] = key;
            self->used++;
            self->version++;
            return RET_OK;
        }
    }
    if (grow(self) < 0) {
        return RET_ERROR;
    }
    insert_fresh(self->keys, self->capacity, key);
    self->used++;
    self->version++;
    return RET_OK;
}

int
LineSet_HasKey(LineSet *self, uint64_t key)
{
    if (key == LINESET_EMPTY_KEY) {
        return self->has_empty_key;
    }
    if (!self->capacity) {
        return 0;
    }
    Py_ssize_t mask = self->capacity - 1;
    for (Py_ssize_t i = slot_of(key, mask); ; i = (i + 1) & mask) {
        if (self->keys[i] == key) {
            return 1;
        }
        if (self->keys[i] == LINESET_EMPTY_KEY) {
            return 0;
        }
    }
}

LineSet *
LineSet_New(int is_arcs)
{
    LineSet *self = PyObject_New(LineSet, &LineSetType);
    if (self == NULL) {
        return NULL;
    }
    self->keys = NULL;
    self->capacity = 0;
    self->used = 0;
    self->has_empty_key = 0;
    static uint64_t next_serial = 1;
    self->is_arcs = is_arcs;
    self->version = 0;
    self->serial = next_serial++;
    return self;
}

/* Python-visible key <-> object conversions. */

static PyObject *
key_to_object(LineSet *self, uint64_t key)
{
    if (self->is_arcs) {
        int from = (int)(int32_t)(uint32_t)(key >> 32);
        int to = (int)(int32_t)(uint32_t)(key & 0xFFFFFFFFu);
        return Py_BuildValue("(ii)", from, to);
    }
    return PyLong_FromLong((long)(int32_t)(uint32_t)key);
}

static int
object_to_key(LineSet *self, PyObject *obj, uint64_t *key)
{
    if (self->is_arcs) {
        int from, to;
        if (!PyTuple_Check(obj) || !PyArg_ParseTuple(obj, "ii", &from, &to)) {
            PyErr_SetString(PyExc_TypeError, "an arc LineSet holds (int, int) pairs");
            return RET_ERROR;
        }
        *key = LineSet_ArcKey(from, to);
    }
    else {
        long line = PyLong_AsLong(obj);
        if (line == -1 && PyErr_Occurred()) {
            return RET_ERROR;
        }
        *key = (uint64_t)(uint32_t)(int32_t)line;
    }
    return RET_OK;
}

static PyObject *
LineSet_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"arcs", NULL};
    int is_arcs = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:LineSet", kwlist, &is_arcs)) {
        return NULL;
    }
    return (PyObject *)LineSet_New(is_arcs);
}

static void
LineSet_dealloc(LineSet *self)
{
    PyMem_Free(self->keys);
    PyObject_Free(self);
}

static Py_ssize_t
LineSet_len(LineSet *self)
{
    return self->used + self->has_empty_key;
}

static int
LineSet_sq_contains(LineSet *self, PyObject *obj)
{
    uint64_t key;
    if (object_to_key(self, obj, &key) < 0) {
        PyErr_Clear();
        return 0;
    }
    return LineSet_HasKey(self, key);
}

/* The members as a new list, in no particular order. */
static PyObject *
LineSet_to_list(LineSet *self)
{
    int ret = RET_ERROR;
    PyObject *list = NULL;      /* owned, returned on success */
    PyObject *item = NULL;      /* owned */
    Py_ssize_t n = 0;

    list = PyList_New(LineSet_len(self));
    if (list == NULL) {
        goto error;
    }
    for (Py_ssize_t i = 0; i < self->capacity; i++) {
        if (self->keys[i] != LINESET_EMPTY_KEY) {
            item = key_to_object(self, self->keys[i]);
            if (item == NULL) {
                goto error;
            }
            PyList_SET_ITEM(list, n++, item);   /* steals item */
            item = NULL;
        }
    }
    if (self->has_empty_key) {
        item = key_to_object(self, LINESET_EMPTY_KEY);
        if (item == NULL) {
            goto error;
        }
        PyList_SET_ITEM(list, n++, item);
        item = NULL;
    }
    ret = RET_OK;
error:
    if (ret != RET_OK) {
        Py_CLEAR(list);
    }
    return list;
}

static PyObject *
LineSet_to_list_method(LineSet *self, PyObject *unused)
{
    return LineSet_to_list(self);
}

static PyObject *
LineSet_iter(LineSet *self)
{
    PyObject *list = LineSet_to_list(self);
    if (list == NULL) {
        return NULL;
    }
    PyObject *it = PyObject_GetIter(list);
    Py_DECREF(list);
    return it;
}

static PyObject *
LineSet_add(LineSet *self, PyObject *obj)
{
    uint64_t key;
    if (object_to_key(self, obj, &key) < 0 || LineSet_AddKey(self, key) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
LineSet_clear(LineSet *self, PyObject *unused)
{
    PyMem_Free(self->keys);
    self->keys = NULL;
    self->capacity = 0;
    self->used = 0;
    self->has_empty_key = 0;
    self->version++;
    if (LineSet_clear_hook != NULL && LineSet_clear_hook() < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
LineSet_repr(LineSet *self)
{
    return PyUnicode_FromFormat("<LineSet of %zd %s>", LineSet_len(self),
                                self->is_arcs ? "arcs" : "lines");
}

static PyMethodDef LineSet_methods[] = {
    {"add", (PyCFunction)LineSet_add, METH_O, "Add a line number, or an (int, int) arc."},
    {"clear", (PyCFunction)LineSet_clear, METH_NOARGS, "Remove every member."},
    {"to_list", (PyCFunction)LineSet_to_list_method, METH_NOARGS, "The members as a list."},
    {NULL}
};

static PyObject *
LineSet_get_is_arcs(LineSet *self, void *closure)
{
    return PyBool_FromLong(self->is_arcs);
}

static PyGetSetDef LineSet_getset[] = {
    {"is_arcs", (getter)LineSet_get_is_arcs, NULL, "Does this set hold arcs?", NULL},
    {NULL}
};

static PySequenceMethods LineSet_as_sequence = {
    .sq_length = (lenfunc)LineSet_len,
    .sq_contains = (objobjproc)LineSet_sq_contains,
};

PyTypeObject LineSetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "covcore._ctracer.LineSet",
    .tp_doc = "The executed lines, or arcs, of one file.",
    .tp_basicsize = sizeof(LineSet),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = LineSet_tp_new,
    .tp_dealloc = (destructor)LineSet_dealloc,
    .tp_repr = (reprfunc)LineSet_repr,
    .tp_iter = (getiterfunc)LineSet_iter,
    .tp_as_sequence = &LineSet_as_sequence,
    .tp_methods = LineSet_methods,
    .tp_getset = LineSet_getset,
};
