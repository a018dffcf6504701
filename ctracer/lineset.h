/* LineSet: the set of executed lines, or of arcs, of one file.
 *
 * A hash set of 64-bit keys with open addressing.  A line is stored as its
 * number; an arc (from, to) as the two 32-bit halves of one key.  Adding a
 * key that is already there (the common case once code has run once) costs
 * a multiply, a shift and one or two probes, with no allocation.
 */
#ifndef COVCORE_LINESET_H
#define COVCORE_LINESET_H

#include "util.h"

typedef struct LineSet {
    PyObject_HEAD
    uint64_t *keys;         /* owned: `capacity` slots, EMPTY_KEY when free */
    Py_ssize_t capacity;    /* a power of two, or 0 before the first add */
    Py_ssize_t used;        /* keys stored in `keys` */
    int has_empty_key;      /* the key equal to EMPTY_KEY is in the set */
    int is_arcs;            /* keys are arcs (iterate as tuples) */
    uint64_t version;       /* bumped whenever a new key is stored */
    uint64_t serial;        /* unique among all LineSets ever made */
} LineSet;

extern PyTypeObject LineSetType;

/* Called after any LineSet is cleared, when set: a core that turned events
 * off because their data was recorded learns from it that the data is gone.
 * RET_OK, or RET_ERROR with an exception set.
 */
extern int (*LineSet_clear_hook)(void);

#define LINESET_EMPTY_KEY   UINT64_MAX

static inline uint64_t
LineSet_ArcKey(int from, int to)
{
    return ((uint64_t)(uint32_t)from << 32) | (uint64_t)(uint32_t)to;
}

/* The lines of an arc key. */
static inline int
arc_from(uint64_t key)
{
    return (int)(int32_t)(uint32_t)(key >> 32);
}

static inline int
arc_to(uint64_t key)
{
    return (int)(int32_t)(uint32_t)key;
}

/* A new, empty LineSet (new reference), or NULL with an exception set. */
LineSet *LineSet_New(int is_arcs);

/* Add a key: RET_OK, or RET_ERROR with MemoryError set. */
int LineSet_AddKey(LineSet *self, uint64_t key);

/* Is the key in the set?  1 or 0. */
int LineSet_HasKey(LineSet *self, uint64_t key);

#endif /* COVCORE_LINESET_H */
