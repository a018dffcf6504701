/* The SIGTERM watch: see sigwatch.h. */

#include "sigwatch.h"

#include <errno.h>
#include "pythread.h"

volatile sig_atomic_t Sigwatch_seen = 0;

/* What Python's signal module had installed when the watch was armed. */
static struct sigaction python_action;
static unsigned long main_thread;

static void
on_sigterm(int signum, siginfo_t *info, void *context)
{
    int saved_errno = errno;
    Sigwatch_seen = 1;
    if (python_action.sa_flags & SA_SIGINFO) {
        python_action.sa_sigaction(signum, info, context);
    }
    else if (python_action.sa_handler != SIG_DFL && python_action.sa_handler != SIG_IGN) {
        python_action.sa_handler(signum);
    }
    errno = saved_errno;
}

int
Sigwatch_handle(void)
{
    /* Python runs signal handlers in the main thread only; another
     * thread leaves the note for it.
     */
    if (PyThread_get_thread_ident() != main_thread) {
        return 0;
    }
    Sigwatch_seen = 0;
    return PyErr_CheckSignals();
}

PyObject *
Sigwatch_arm(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(unused))
{
    struct sigaction current;
    if (sigaction(SIGTERM, NULL, &current) < 0) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    int siginfo = (current.sa_flags & SA_SIGINFO) != 0;
    if (siginfo && current.sa_sigaction == on_sigterm) {
        /* Armed already; after a fork the forking thread is the main one. */
        main_thread = PyThread_get_thread_ident();
        Py_RETURN_TRUE;
    }
    if (!siginfo && (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN)) {
        Py_RETURN_FALSE;    /* no Python handler to run */
    }
    struct sigaction watch = current;
    watch.sa_sigaction = on_sigterm;
    watch.sa_flags |= SA_SIGINFO;
    python_action = current;
    main_thread = PyThread_get_thread_ident();
    Sigwatch_seen = 0;
    if (sigaction(SIGTERM, &watch, NULL) < 0) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_TRUE;
}
