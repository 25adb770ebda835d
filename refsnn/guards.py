"""What is checked around a run: memory, step size, non-finite states.

* :func:`check_memory` sizes a run before anything is allocated (outputs,
  recorded states, state, copies of the inputs and their projections) and
  refuses one that cannot fit (:class:`refsnn.InsufficientMemoryError`).
* :func:`check_step` warns (:class:`refsnn.config.UnstableStepWarning`) when
  ``dt`` is too large for the forward-Euler step of the model: ``dt`` times
  an inverse time constant of 1 or more (the decay overshoots), the
  membrane rate :math:`c_m^{-1} g_l` of conductance-based neurons, and the
  subthreshold slopes of Izhikevich's quadratic model; it names the
  parameter and the largest stable ``dt``.
* :func:`check_run` applies the ``nonfinite`` policy (:mod:`refsnn.config`)
  to a finished run **without touching the inputs on the fast path**: NaN
  and infinity are sticky in every update (``0 · NaN`` is NaN; a NaN never
  crosses a threshold), so a run with a non-finite input, or whose state
  diverged, ends with a non-finite state, and checking the final state
  costs one pass over the neurons. Only then are the inputs searched for the
  first offending element; if they are finite, the run is repeated on
  prefixes (bisection) to name the step and the neuron where the state first
  became non-finite.
* :func:`check_scan` does the same for the scans over time of
  :mod:`refsnn.functional.scan` (plasticity rules, current encoders), on
  every backend alike: their carried values (state, weights) are judged
  after the run, and a divergence from finite arguments is named by its step.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, NamedTuple

import numpy as np

from refsnn import _checks, config
from refsnn.memory import check_fits


def _leaves(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for field, value in zip(tree._fields, tree):
        if _checks.is_namedtuple(value):
            out += _leaves(value, f"{prefix}{field}.")
        elif value is not None and not callable(value):
            out.append((prefix + field, value))
    return out


# --------------------------------------------------------------------------- memory
def _first_values(tree: Any) -> Any:
    """``tree`` with every array leaf cut to a scalar, its first element (zero if it has
    none): a template of the structure that builds a one-neuron state whatever the shapes."""
    values = []
    for value in tree:
        if _checks.is_namedtuple(value):
            values.append(_first_values(value))
        elif value is None or callable(value):
            values.append(value)
        else:
            arr = np.asarray(value)
            values.append(arr.reshape(-1)[0] if arr.size else np.zeros((), arr.dtype)[()])
    return type(tree)(*values)


def check_memory(model, p: Any, inputs: Any, dtype: np.dtype, shape: tuple, recurrent: bool,
                 record_states: bool, spike_dtype: Any) -> None:
    """Refuse a run whose arrays cannot fit in host memory (before allocating any)."""
    if _checks.is_device_array(inputs):
        return  # device memory: the backend's allocator reports it
    steps, n = int(inputs.shape[0]), int(np.prod(shape, dtype=np.int64))
    leaves = len(_leaves(model.initial_state(_first_values(p), (1,), dtype, recurrent)))
    item = dtype.itemsize
    out_item = np.dtype(spike_dtype).itemsize if spike_dtype is not None else item
    parts = {
        "outputs": steps * n * out_item,
        "recorded states": steps * n * leaves * item if record_states else 0,
        "state": 2 * n * leaves * item,
    }
    if recurrent:
        parts["input projections"] = steps * n * item * (2 if model.sign_split else 1)
    if inputs.dtype != dtype or not inputs.flags.c_contiguous:  # (cast, or a backend's copy)
        parts["inputs (a contiguous copy)"] = math.prod(inputs.shape) * item
    check_fits(parts, what=f"simulate({model.name!r}, {steps} steps x {n} neurons)")


# --------------------------------------------------------------------------- step size
def _warn(message: str) -> None:
    warnings.warn(message, config.UnstableStepWarning, stacklevel=4)


def _largest(value: Any) -> float:
    return float(np.max(np.abs(value))) if np.size(value) else 0.0


def check_step(model, p: NamedTuple, dt: float) -> None:
    """Warn when ``dt`` makes the model's forward-Euler step unstable (module docstring)."""
    # Inverse time constants of decays; Izhikevich's tau_inv scales its whole drive
    # and c_m_inv is a capacitance (both checked below).
    for name, value in _leaves(p):
        if name.endswith("_inv") and name not in ("c_m_inv", "tau_inv"):
            rate = _largest(value)
            if rate * dt >= 1:
                _warn(f"dt * p.{name} = {rate * dt:.3g} >= 1: the forward-Euler step of this "
                      f"decay overshoots and diverges; the largest stable dt is {1 / rate:.3g}")
    if model.name == "coba_lif":
        rate = _largest(np.asarray(p.c_m_inv) * np.asarray(p.g_l))
        if rate * dt >= 1:
            _warn(f"dt * p.c_m_inv * p.g_l = {rate * dt:.3g} >= 1: the membrane's "
                  f"forward-Euler step diverges; the largest stable dt is {1 / rate:.3g}")
    if model.name == "izhikevich":
        # Slope of the voltage drive at the reset voltage, and the recovery rate.
        slope = _largest(2 * np.asarray(p.sq) * np.asarray(p.c) + np.asarray(p.mn))
        rate = _largest(p.tau_inv) * max(slope, _largest(p.a))
        if rate * dt >= 1:
            _warn(f"dt * p.tau_inv * max(|2 sq c + mn|, a) = {rate * dt:.3g} >= 1: the "
                  f"subthreshold Euler step of Izhikevich's model diverges; the largest "
                  f"stable dt is {1 / rate:.3g}")


# --------------------------------------------------------------------------- non-finite
def _final_leaves(state: Any, recorded: bool) -> list[tuple[str, Any]]:
    return [(name, leaf[-1] if recorded else leaf) for name, leaf in _leaves(state)
            if not recorded or leaf.shape[0]]


def _first_bad(pairs: list) -> tuple[str, tuple, float] | None:
    for name, leaf in pairs:
        index = _checks.first_nonfinite(leaf)
        if index is not None:
            value = (leaf[index] if index else leaf).item()
            return name, index, value
    return None


def check_run(inputs: Any, final_state: Any, recorded: bool, rerun: Callable) -> None:
    """Apply the ``nonfinite`` policy to a finished run (see the module docstring).

    ``rerun(steps)`` runs the first ``steps`` steps again and returns the
    final state; it is called only when the state is non-finite and the
    inputs are finite.
    """
    if config.get_option("nonfinite") == "ignore":
        return
    final = _final_leaves(final_state, recorded)
    # (A layer without neurons never sees its inputs: they are judged directly.)
    if _first_bad(final) is None and any(np.size(leaf) for _, leaf in final):
        return
    if inputs.dtype.kind == "f":
        index = _checks.first_nonfinite(inputs)
        if index is not None:
            _checks.nonfinite(f"inputs has a non-finite value ({inputs[index].item()}) at "
                              f"index {index}; {_checks.POLICY_HINT}", stacklevel=4)
            return
    if _first_bad(final) is None:
        return
    step, (name, index, value) = _diverged(int(inputs.shape[0]),
                                           lambda steps: _final_leaves(rerun(steps), False))
    _checks.nonfinite(
        f"the state became non-finite at step {step} (state.{name} = {value} at neuron "
        f"index {index}) although the inputs, parameters and initial state are finite: the "
        f"time step is probably too large for the model (see the UnstableStepWarning, or "
        f"try a smaller dt); {_checks.POLICY_HINT}", stacklevel=4)


def _diverged(steps: int, rerun: Callable) -> tuple[int, tuple[str, tuple, float]]:
    """The first step after which the state is non-finite (it is after ``steps``), found
    by bisection over prefixes, and its first non-finite leaf ``(name, index, value)``.

    ``rerun(k)`` returns the ``(name, leaf)`` pairs of the state after ``k`` steps.
    NaN and infinity are sticky, so the state is non-finite after every later step.
    """
    finite, bad = 0, steps          # the state after `finite` steps is finite, after `bad` not
    while bad - finite > 1:
        middle = (finite + bad) // 2
        if _first_bad(rerun(middle)) is None:
            finite = middle
        else:
            bad = middle
    return bad - 1, _first_bad(rerun(bad))


def _finite(value: Any) -> bool:
    """Whether every float in ``value`` (arrays, numbers, nested tuples) is finite."""
    if isinstance(value, tuple):
        return all(_finite(v) for v in value)
    if value is None or callable(value) or isinstance(value, str):
        return True
    arr = np.asarray(value)
    return arr.dtype.kind not in "fc" or bool(np.isfinite(arr).all())


def check_scan(what: str, final: list[tuple[str, Any]], arguments: tuple, steps: int,
               rerun: Callable) -> None:
    """Apply the ``nonfinite`` policy to a finished scan over time (a plasticity rule,
    a current encoder), the same way on every backend.

    ``final``: ``(name, array)`` of the carried values after the last step (the
    state, the weights); ``arguments``: everything the scan was given (checked
    at entry under the policy: a non-finite one was reported then, and its
    consequences are not reported again); ``rerun(k)``: ``final`` after the
    first ``k`` steps. When the carried values became non-finite from finite
    arguments, the error (or warning) names the step and the first value.
    """
    if config.get_option("nonfinite") == "ignore" or _first_bad(final) is None:
        return
    if not _finite(arguments):
        return
    with config.options(nonfinite="ignore"):
        step, (name, index, value) = _diverged(steps, rerun)
    where = f" at index {index}" if index else ""
    _checks.nonfinite(
        f"{what}: {name} became non-finite at step {step} ({value}{where}) although the "
        f"arguments are finite (a rate times dt too large for the Euler step, or weights "
        f"outside the rule's domain); {_checks.POLICY_HINT}", stacklevel=4)
