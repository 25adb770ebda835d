"""Process-wide options: what refsnn does with non-finite values.

``nonfinite`` — the policy for NaN and infinity in inputs, weights, states
and parameters, and for a state that becomes non-finite during a run:

* ``"raise"`` (default): a ``ValueError`` naming the argument (or the step
  and neuron) and the first offending index;
* ``"warn"``: a :class:`NonFiniteWarning` with the same message, and the
  values go through (IEEE arithmetic: NaN propagates, a NaN voltage never
  crosses the threshold);
* ``"ignore"``: no check at all, for code that propagates NaN on purpose.

Set it for a block with :func:`options`, for the process with
:func:`set_options`, or with the environment variable ``REFSNN_NONFINITE``
(read at import).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Iterator

NONFINITE_POLICIES = ("raise", "warn", "ignore")


class NonFiniteWarning(RuntimeWarning):
    """A non-finite value went through under ``nonfinite="warn"``."""


class UnstableStepWarning(RuntimeWarning):
    """The time step is too large for the forward-Euler discretisation of a model."""


def _checked(value: str) -> str:
    if value not in NONFINITE_POLICIES:
        raise ValueError(f"nonfinite must be one of {', '.join(map(repr, NONFINITE_POLICIES))}, "
                         f"got {value!r}")
    return value


#: The process-wide values (set_options); a ``with options(...)`` block overrides
#: them in its own context only (a context variable: other threads are unaffected).
_DEFAULTS = {"nonfinite": _checked(os.environ.get("REFSNN_NONFINITE", "raise"))}
_NONFINITE: contextvars.ContextVar = contextvars.ContextVar("refsnn_nonfinite")


def get_option(name: str) -> str:
    """The current value of the option ``name`` (``"nonfinite"``)."""
    if name != "nonfinite":
        raise ValueError(f"unknown option {name!r}; options: nonfinite")
    return _NONFINITE.get(_DEFAULTS["nonfinite"])


def set_options(*, nonfinite: str | None = None) -> None:
    """Set options for the whole process (``nonfinite``: see the module docstring)."""
    if nonfinite is not None:
        _DEFAULTS["nonfinite"] = _checked(nonfinite)


@contextlib.contextmanager
def options(*, nonfinite: str | None = None) -> Iterator[None]:
    """Set options inside a ``with`` block only (this thread or task)::

        with refsnn.options(nonfinite="ignore"):
            simulate("lif", x_with_nan)
    """
    token = _NONFINITE.set(_checked(nonfinite)) if nonfinite is not None else None
    try:
        yield
    finally:
        if token is not None:
            _NONFINITE.reset(token)
