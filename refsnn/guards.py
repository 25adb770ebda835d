"""What :func:`refsnn.simulate` checks around a run: memory, step size, non-finite states.

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
"""

from __future__ import annotations

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
    """``tree`` with every array leaf cut to its first element (a template of the structure)."""
    values = []
    for value in tree:
        if _checks.is_namedtuple(value):
            values.append(_first_values(value))
        elif value is None or callable(value) or np.size(value) <= 1:
            values.append(value)
        else:
            values.append(np.asarray(value).reshape(-1)[0])
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
    elif inputs.dtype != dtype or not inputs.flags.c_contiguous:
        parts["inputs (a contiguous copy)"] = steps * n * item
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
    if _first_bad(_final_leaves(final_state, recorded)) is None:
        return
    if inputs.dtype.kind == "f":
        index = _checks.first_nonfinite(inputs)
        if index is not None:
            _checks.nonfinite(f"inputs has a non-finite value ({inputs[index].item()}) at "
                              f"index {index}; {_checks.POLICY_HINT}", stacklevel=4)
            return
    steps = int(inputs.shape[0])
    finite, bad = 0, steps          # the state after `finite` steps is finite, after `bad` not
    while bad - finite > 1:
        middle = (finite + bad) // 2
        if _first_bad(_final_leaves(rerun(middle), False)) is None:
            finite = middle
        else:
            bad = middle
    name, index, value = _first_bad(_final_leaves(rerun(bad), False))
    _checks.nonfinite(
        f"the state became non-finite at step {bad - 1} (state.{name} = {value} at neuron "
        f"index {index}) although the inputs, parameters and initial state are finite: the "
        f"time step is probably too large for the model (see the UnstableStepWarning, or "
        f"try a smaller dt); {_checks.POLICY_HINT}", stacklevel=4)
