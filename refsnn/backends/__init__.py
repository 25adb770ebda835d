"""Backend registry: which implementation runs a simulation.

A backend is an object with

* ``name`` (str) and ``models`` (a set of family names it implements);
* ``unavailable_reason()`` returning ``None`` when it can run on this machine,
  or a sentence saying why not and how to install what is missing;
* ``run(model, inputs, state, p, dt, connectivity, record_states)`` returning
  ``(outputs, state)`` — see :class:`refsnn.backends.numpy_.NumpyBackend`.

A backend may also implement functions of the functional API that run a
whole sequence at once (the encoders, the plasticity scans of
:mod:`refsnn.functional.scan`): ``functions`` (a set of function names) and
``function(name)`` returning a callable with the reference's signature
(without ``backend``). :func:`function` looks them up; the functions'
``backend=`` argument reaches them through it.

:func:`refsnn.simulate` validates every argument before calling ``run``, so
backends receive clean, cast arrays. There is no silent fallback: asking for
a backend that cannot run, or for a model it lacks, is an error.
The default backend is ``numpy``, or the value of ``REFSNN_BACKEND``.
"""

from __future__ import annotations

import os
from typing import Any

_REGISTRY: dict[str, Any] = {}


class BackendUnavailable(RuntimeError):
    """Raised when a registered backend cannot run on this machine."""


def register(backend: Any, *, replace: bool = False) -> None:
    """Add a backend to the registry (``replace=True`` to overwrite a name)."""
    for attr in ("name", "models", "run", "unavailable_reason"):
        if not hasattr(backend, attr):
            raise TypeError(f"backend must have a {attr!r} attribute; {backend!r} has none")
    if backend.name in _REGISTRY and not replace:
        raise ValueError(f"a backend named {backend.name!r} is already registered")
    _REGISTRY[backend.name] = backend


def registered() -> list[str]:
    """Names of every registered backend, usable here or not."""
    return sorted(_REGISTRY)


def available() -> list[str]:
    """Names of the backends that can run on this machine."""
    return sorted(n for n, b in _REGISTRY.items() if b.unavailable_reason() is None)


def default() -> str:
    """The default backend name: ``$REFSNN_BACKEND`` or ``"numpy"``."""
    return os.environ.get("REFSNN_BACKEND", "numpy")


def get(name: str | None = None) -> Any:
    """The backend called ``name`` (default: :func:`default`), ready to run."""
    if name is None:
        name = default()
    if not isinstance(name, str):
        raise TypeError(f"backend must be a name (str) or None, got {type(name).__name__}")
    if name not in _REGISTRY:
        raise ValueError(
            f"unknown backend {name!r}; registered backends: {', '.join(registered())}"
        )
    backend = _REGISTRY[name]
    reason = backend.unavailable_reason()
    if reason is not None:
        raise BackendUnavailable(f"backend {name!r} cannot run here: {reason}")
    return backend


def for_model(backend: Any, model: str) -> Any:
    """Check that ``backend`` implements ``model``; the error lists backends that do."""
    if model not in backend.models:
        having = [n for n, b in sorted(_REGISTRY.items()) if model in b.models]
        raise ValueError(
            f"backend {backend.name!r} does not implement model {model!r}; "
            f"backends that do: {', '.join(having) or 'none'}"
        )
    return backend


def function(name: str | None, function_name: str) -> Any:
    """The implementation of ``function_name`` by the backend called ``name``.

    ``name=None`` means :func:`default`. Errors: an unknown backend
    (ValueError listing the registered ones); a backend without the function
    (ValueError listing the backends that have it); a backend that cannot run
    here (:class:`BackendUnavailable`, saying why and what to install).
    There is no fallback to another backend.
    """
    if name is None:
        name = default()
    if not isinstance(name, str):
        raise TypeError(f"backend must be a name (str) or None, got {type(name).__name__}")
    if name not in _REGISTRY:
        raise ValueError(
            f"unknown backend {name!r}; registered backends: {', '.join(registered())}"
        )
    if function_name not in getattr(_REGISTRY[name], "functions", ()):
        having = [n for n, b in sorted(_REGISTRY.items())
                  if function_name in getattr(b, "functions", ())]
        raise ValueError(
            f"backend {name!r} does not implement {function_name!r}; "
            f"backends that do: {', '.join(having) or 'none'}"
        )
    return get(name).function(function_name)


def functions(name: str) -> frozenset:
    """Names of the functions the backend called ``name`` implements (usable or not)."""
    if name not in _REGISTRY:
        raise ValueError(
            f"unknown backend {name!r}; registered backends: {', '.join(registered())}"
        )
    return frozenset(getattr(_REGISTRY[name], "functions", ()))


from refsnn.backends.numpy_ import NumpyBackend  # noqa: E402
from refsnn.backends.numba_ import NumbaBackend  # noqa: E402

register(NumpyBackend())
register(NumbaBackend())
