r"""Adapter for Norse 1.1.0: every case runs Norse's own step function, step by step.

A case of family ``f`` runs ``norse.torch.functional.<module>.<step>`` — the
step function refsnn mirrors (:attr:`refsnn.conformance.Case.step_function`:
``lif_feed_forward_step``, ``coba_lif_step``, ...) — once per step on CPU
tensors, with the case's parameters and initial state converted by
:func:`refsnn.compat.norse.to_norse` as tensors of the case's dtype (so
that Norse computes in float32 or float64 throughout, parameters included).
Every family that Norse has applies (a family of refsnn's own, such as
``adex``, is ``n/a``); torch and Norse are imported on the first call.

Expected failures
-----------------
Where Norse's code departs from the equations it documents,
:mod:`refsnn.functional` implements the documentation and
:mod:`refsnn.compat.norse` holds a variant with the step's name that
reproduces Norse (``docs/deviations.rst``). A case fails against Norse
exactly when it runs such a step and the documented model and Norse's code
give different traces on it: :func:`deviates` tells, from the compat
variant alone, without running Norse, and :func:`compat_traces` gives the
traces Norse is expected to produce.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from refsnn.compare import compare
from refsnn.conformance.case import Case, NotApplicable, flatten, traces_from
from refsnn.conformance.runner import DEFAULT_TOLERANCE

__all__ = ["adapter", "name", "norse_step", "compat_step", "compat_traces", "deviates"]

name = "norse 1.1.0"
#: refsnn.functional modules whose Norse counterpart has another name.
_NORSE_MODULES = {"li": "leaky_integrator", "li_box": "leaky_integrator_box"}


def _module(case: Case) -> str:
    model = case.model
    step = model.recurrent_step if case.recurrent else model.feed_forward_step
    return step.__module__.rsplit(".", 1)[-1]


def norse_step(case: Case):
    """Norse's step function that ``case`` runs (imports Norse).

    Raises
    ------
    NotApplicable
        Norse 1.1.0 has no such function (a family of refsnn's own).
    """
    module = _module(case)
    path = f"norse.torch.functional.{_NORSE_MODULES.get(module, module)}"
    try:
        step = getattr(importlib.import_module(path), case.step_function, None)
    except ModuleNotFoundError:
        step = None
    if step is None:
        raise NotApplicable(f"Norse 1.1.0 has no {path}.{case.step_function}: {case.family} "
                            "is a family of refsnn's own")
    return step


def compat_step(case: Case):
    """The Norse-exact variant (:mod:`refsnn.compat.norse`) of the case's step, or ``None``."""
    try:
        module = importlib.import_module(f"refsnn.compat.norse.{_module(case)}")
    except ModuleNotFoundError:
        return None
    return getattr(module, case.step_function, None)


def _steps(step, case: Case, convert, stack) -> dict[str, np.ndarray]:
    """Run ``step(x, state, *matrices, p, dt)`` over the case's inputs; return its traces."""
    state, p = convert(case.state), convert(case.p)
    matrices = [convert(m) for m in case.matrices]
    inputs = convert(case.inputs)
    outputs, states = [], []
    for t in range(case.steps):
        out, state = step(inputs[t], state, *matrices, p, case.dt)
        outputs.append(out)
        states.append(flatten(state))
    history = {key: stack([s[key] for s in states]) for key in states[0]}
    return traces_from(case.model, stack(outputs), history)


def compat_traces(case: Case) -> dict[str, np.ndarray] | None:
    """The case's traces under Norse's code (its compat variant), or ``None`` without one."""
    step = compat_step(case)
    if step is None:
        return None
    return _steps(step, case, lambda x: x, np.stack)


def deviates(case: Case, rtol: float | None = None, atol: float | None = None) -> bool:
    """Whether a faithful Norse must fail ``case``: Norse's code and its documentation differ.

    True when the case's step has a :mod:`refsnn.compat.norse` variant whose
    traces are not within the tolerance (default: the runner's for the
    case's dtype) of refsnn's reference.
    """
    traces = compat_traces(case)
    if traces is None:
        return False
    default = DEFAULT_TOLERANCE[case.dtype.name]
    return not compare(case.reference(), traces, rtol=default[0] if rtol is None else rtol,
                       atol=default[1] if atol is None else atol, spikes=()).ok


def adapter(case: Case) -> dict[str, Any]:
    """Run ``case`` in Norse 1.1.0 (CPU); return its traces as NumPy arrays."""
    import torch

    from refsnn.compat.norse.convert import to_norse

    step = norse_step(case)

    def convert(tree):
        # to_norse with a dtype copies: Norse gets writable tensors of the case's dtype.
        return to_norse(tree, case.dtype)

    def stack(tensors):
        return torch.stack(tensors).numpy()

    with torch.no_grad():
        return _steps(step, case, convert, stack)


adapter.name = name
