/* covcore._ctracer: the C tracer cores of covcore. */

#include "util.h"
#include "lineset.h"
#include "tracer.h"
#include "sysmon.h"

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "covcore._ctracer",
    .m_doc = "covcore's tracer cores written in C.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__ctracer(void)
{
    PyObject *mod = NULL;       /* owned, returned on success */

    if (CTracer_intern_strings() < 0) {
        return NULL;
    }
    if (PyType_Ready(&LineSetType) < 0 || PyType_Ready(&CTracerType) < 0) {
        return NULL;
    }
#if COVCORE_HAS_SYSMON
    if (SysMon_init_module() < 0 || PyType_Ready(&SysMonType) < 0) {
        return NULL;
    }
#endif
    mod = PyModule_Create(&moduledef);
    if (mod == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(mod, "LineSet", (PyObject *)&LineSetType) < 0
        || PyModule_AddObjectRef(mod, "CTracer", (PyObject *)&CTracerType) < 0
#if COVCORE_HAS_SYSMON
        || PyModule_AddObjectRef(mod, "SysMon", (PyObject *)&SysMonType) < 0
#endif
#ifdef COVCORE_STATS
        || PyModule_AddIntConstant(mod, "STATS", 1) < 0
#else
        || PyModule_AddIntConstant(mod, "STATS", 0) < 0
#endif
        ) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
