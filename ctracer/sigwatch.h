/* SIGTERM between two events of the measured program.
 *
 * covcore's SIGTERM handler (process.py) is a Python handler: CPython runs
 * it only where the program's code checks for pending work (a call, a
 * backward jump).  Straight-line code, a long module body for one, never
 * does, so without help a measured program would outlive a SIGTERM for as
 * long as that code runs, where the same program unmeasured dies at once.
 *
 * Sigwatch_arm() puts a C handler in front of the one Python's signal module
 * installed for SIGTERM: it notes the signal, then calls Python's.  The
 * cores' event handlers ask Sigwatch_poll() after their own work, and the
 * main thread then runs the pending Python handlers from there.  Only
 * SIGTERM is watched: every other signal is handled when it would be
 * without covcore.
 */
#ifndef COVCORE_SIGWATCH_H
#define COVCORE_SIGWATCH_H

#include "util.h"

#include <signal.h>

extern volatile sig_atomic_t Sigwatch_seen;

/* Run the pending signal handlers, if this is the main thread. */
int Sigwatch_handle(void);

/* 0, or -1 with the exception a signal handler raised. */
static inline int
Sigwatch_poll(void)
{
    return Sigwatch_seen ? Sigwatch_handle() : 0;
}

/* _ctracer.watch_sigterm(): arm the watch; True if Python's handler is
 * installed for SIGTERM and now watched.
 */
PyObject *Sigwatch_arm(PyObject *module, PyObject *unused);

#endif /* COVCORE_SIGWATCH_H */
