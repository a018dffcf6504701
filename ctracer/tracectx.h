/* TracerCtx: the settrace core's greenlets (concurrency mode).
 *
 * Greenlets switch stacks inside one thread: greenlet.switch() returns in
 * another greenlet's frame, with no call or return event to say so.  So
 * each greenlet gets a data stack of its own, and before every event the
 * active stack is made the running greenlet's:
 *
 * - a line, return or exception event comes from the innermost frame of
 *   the running greenlet.  If that frame is the top entry's of the active
 *   stack, the running greenlet is the active stack's (a frame runs in one
 *   greenlet only), and nothing more is done: this is the common case, one
 *   pointer comparison.  Otherwise a switch may have happened since the
 *   last event (or the frame has no entry: it started before measuring),
 *   and concurrency_id() says which greenlet runs.
 * - a call event starts a frame that has no entry yet: concurrency_id() is
 *   asked every time.  (A generator resumed in another greenlet than the
 *   one that started it gets its entry on that greenlet's stack.)
 *
 * A greenlet is known by its address, without a reference: a reference
 * would keep alive a greenlet the program dropped, which greenlet would
 * otherwise end by raising GreenletExit in it.  When a greenlet's stack
 * becomes empty (its outermost measured frame returned, as when it ends),
 * its slot is freed, so an address that a dead greenlet leaves to a new
 * one finds no stale entries.
 */
#ifndef COVCORE_TRACECTX_H
#define COVCORE_TRACECTX_H

#include "tracer.h"

/* Make the active stack the running greenlet's, before an event `what` of
 * `frame`.  RET_OK or RET_ERROR.
 */
int TracerCtx_follow(CTracer *self, PyFrameObject *frame, int what);

/* The active stack is empty: free its greenlet's slot (keeping the buffer
 * for the next greenlet), and leave no greenlet active.  RET_OK or RET_ERROR.
 */
int TracerCtx_release(CTracer *self);

/* Drop every greenlet's stack (at stop()); the active stack ends empty. */
void TracerCtx_forget(CTracer *self);

#endif /* COVCORE_TRACECTX_H */
