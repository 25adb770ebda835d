"""Backend registry: backend names mapped to lazily loaded implementations.

This module sits at the bottom of refsnn: it imports no model and no
backend. Backends are found **by name** and imported only when first asked
for, so the reference (:mod:`refsnn.functional`) can dispatch ``backend=``
through here without depending on any backend's code:

* the built-in backends, ``numpy`` (the reference in a Python time loop)
  and ``numba`` (fused compiled loops), named by import path below;
* third-party backends, declared by an installed distribution in the entry
  point group ``refsnn.backends`` (``name = "package.module:Factory"``, the
  factory called without arguments), e.g. in its ``pyproject.toml``::

      [project.entry-points."refsnn.backends"]
      mychip = "mychip_refsnn:Backend"

* backends registered at run time with :func:`register`.

A backend is an object with

* ``name`` (str) and ``models`` (a set of family names it implements);
* ``unavailable_reason()``: ``None`` when it can run on this machine, else a
  sentence saying why not and how to install what is missing;
* ``run(model, inputs, state, p, dt, connectivity, record_states,
  neuron_shape, spike_dtype)`` returning ``(outputs, state)`` (see
  :class:`refsnn.backends.numpy_.NumpyBackend`);
* optionally ``functions`` (names of functional-API functions it runs over
  a whole sequence: encoders, plasticity scans) and ``function(name)``
  returning a callable with the reference's signature minus ``backend``.

There is no silent fallback: an unknown backend, one that cannot run here,
or one without the model or function asked for, is an error that says what
exists. The default backend is ``numpy``, or ``$REFSNN_BACKEND``.
"""

from __future__ import annotations

import importlib
import os
from importlib import metadata
from typing import Any

#: Entry-point group through which installed packages add backends.
ENTRY_POINT_GROUP = "refsnn.backends"

#: Built-in backends: name -> ``"module:attribute"`` of a zero-argument factory.
BUILTIN = {
    "numpy": "refsnn.backends.numpy_:NumpyBackend",
    "numba": "refsnn.backends.numba_:NumbaBackend",
    "cuda": "refsnn.backends.cuda_:CudaBackend",
    "cuda-host": "refsnn.backends.cuda_:CudaHostBackend",
}

_LOADED: dict[str, Any] = {}
_DECLARED: dict[str, str] | None = None


class BackendUnavailable(RuntimeError):
    """Raised when a registered backend cannot run on this machine."""


def _declared() -> dict[str, str]:
    """Every backend name known without loading one: built-ins and entry points."""
    global _DECLARED
    if _DECLARED is None:
        found = dict(BUILTIN)
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            found.setdefault(entry.name, entry.value)
        _DECLARED = found
    return _DECLARED


def _check_backend(backend: Any) -> None:
    for attr in ("name", "models", "run", "unavailable_reason"):
        if not hasattr(backend, attr):
            raise TypeError(f"backend must have a {attr!r} attribute; {backend!r} has none")


def register(backend: Any, *, replace: bool = False) -> None:
    """Add a backend object under ``backend.name`` (``replace=True`` to overwrite a name)."""
    _check_backend(backend)
    if backend.name in registered() and not replace:
        raise ValueError(f"a backend named {backend.name!r} is already registered")
    _LOADED[backend.name] = backend


def registered() -> list[str]:
    """Names of every known backend, usable here or not (none is loaded to list them)."""
    return sorted(set(_declared()) | set(_LOADED))


def lookup(name: str) -> Any:
    """The backend object called ``name`` (usable here or not), importing its module on first use."""
    if not isinstance(name, str):
        raise TypeError(f"backend must be a name (str) or None, got {type(name).__name__}")
    if name in _LOADED:
        return _LOADED[name]
    if name not in _declared():
        raise ValueError(
            f"unknown backend {name!r}; registered backends: {', '.join(registered())}"
        )
    module, _, attribute = _declared()[name].partition(":")
    backend = getattr(importlib.import_module(module), attribute)()
    _check_backend(backend)
    _LOADED[name] = backend
    return backend


def available() -> list[str]:
    """Names of the backends that can run on this machine."""
    return [n for n in registered() if lookup(n).unavailable_reason() is None]


def default() -> str:
    """The default backend name: ``$REFSNN_BACKEND`` or ``"numpy"``."""
    return os.environ.get("REFSNN_BACKEND", "numpy")


def get(name: str | None = None) -> Any:
    """The backend called ``name`` (default: :func:`default`), ready to run."""
    backend = lookup(default() if name is None else name)
    reason = backend.unavailable_reason()
    if reason is not None:
        raise BackendUnavailable(f"backend {backend.name!r} cannot run here: {reason}")
    return backend


def for_model(backend: Any, model: str) -> Any:
    """Check that ``backend`` implements ``model``; the error lists backends that do."""
    if model not in backend.models:
        having = [n for n in registered() if model in lookup(n).models]
        raise ValueError(
            f"backend {backend.name!r} does not implement model {model!r}; "
            f"backends that do: {', '.join(having) or 'none'}"
        )
    return backend


def functions(name: str) -> frozenset:
    """Names of the functions the backend called ``name`` implements (usable here or not)."""
    return frozenset(getattr(lookup(name), "functions", ()))


def function(name: str | None, function_name: str) -> Any:
    """The implementation of ``function_name`` by the backend called ``name``.

    ``name=None`` means :func:`default`. Errors: an unknown backend
    (ValueError listing the registered ones); a backend without the function
    (ValueError listing the backends that have it); a backend that cannot run
    here (:class:`BackendUnavailable`, saying why and what to install).
    """
    name = default() if name is None else name
    if function_name not in functions(name):
        having = [n for n in registered() if function_name in functions(n)]
        raise ValueError(
            f"backend {name!r} does not implement {function_name!r}; "
            f"backends that do: {', '.join(having) or 'none'}"
        )
    return get(name).function(function_name)
