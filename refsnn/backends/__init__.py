"""The backends: one subpackage per implementation, chosen through the registry.

* :mod:`refsnn.backends.numpy_` — the reference's update functions in a
  Python time loop (the yardstick);
* :mod:`refsnn.backends.numba_` — fused multi-step loops that compile the
  reference's own update functions with Numba.

Importing this package loads neither: the registry (:mod:`refsnn.registry`,
re-exported here) imports a backend the first time it is asked for by name.
"""

from refsnn.registry import (  # noqa: F401
    BackendUnavailable,
    available,
    default,
    for_model,
    function,
    functions,
    get,
    lookup,
    register,
    registered,
)
