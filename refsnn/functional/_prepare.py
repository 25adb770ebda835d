"""Argument preparation shared by every reference step function.

A step function calls :func:`prepare` first: it checks the state's type,
finds the governing dtype (the state's), casts parameters, ``dt`` and inputs
to it, and checks that parameter arrays broadcast to the neurons' shape.
What remains in the step function is the model's arithmetic and nothing else.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from refsnn import _checks
from refsnn.memory import check_arrays


class Prepared(NamedTuple):
    """The cast arguments of one step: inputs, state, parameters, dt."""

    inputs: tuple
    state: NamedTuple
    p: NamedTuple
    dt: np.floating


def prepare(
    inputs: dict[str, Any],
    state: NamedTuple,
    state_type: type | tuple,
    p: NamedTuple,
    parameters_type: type,
    dt: Any,
    weights: dict[str, Any] | None = None,
) -> Prepared:
    """Validate and cast the arguments of a step function.

    Parameters
    ----------
    inputs : dict
        Named input arrays (``{"input_tensor": x}``); cast to the state dtype.
    state, state_type :
        The state and the NamedTuple type (or types) it must be.
    p, parameters_type :
        The parameters and their NamedTuple type.
    dt : float
        Integration time step; must be finite and > 0.
    weights : dict, optional
        Named weight matrices; cast to the state dtype, shapes checked by the
        caller through :func:`linear`.
    """
    names = state_type if isinstance(state_type, tuple) else (state_type,)
    if not isinstance(state, names):
        expected = " or ".join(t.__name__ for t in names)
        raise TypeError(f"state must be a {expected}, got {type(state).__name__}")
    _checks.check_type(p, parameters_type, "p")
    _checks.check_dt(dt)
    dtype = _checks.state_dtype(state)
    state = _checks.cast_tree(state, dtype, "state")
    p = _checks.cast_tree(p, dtype, "p")
    cast_inputs = tuple(_checks.as_input(x, dtype, name) for name, x in inputs.items())
    if weights:
        matrices = {name: _checks.check_matrix(w, None, None, dtype, name)
                    for name, w in weights.items()}
        _check_rows(matrices, state)
        cast_inputs += tuple(matrices.values())
    return Prepared(cast_inputs, state, p, dtype.type(dt))


def prepare_encoder(inputs: dict[str, Any], states: dict[str, Any], p: NamedTuple,
                    parameters_type: type, dt: Any) -> Prepared:
    """:func:`prepare` for a current encoder, whose state is its own arguments.

    ``states`` (``{"voltage": v}``, ...) govern the dtype as a state's
    leaves do and are named as the arguments they are; ``inputs`` and
    ``states`` come back cast, in that order (``state`` is ``None``).
    """
    _checks.check_type(p, parameters_type, "p")
    _checks.check_dt(dt)
    dtype = _checks.arrays_dtype(states, " and ".join(states))
    p = _checks.cast_tree(p, dtype, "p")
    cast = tuple(_checks.as_input(x, dtype, name) for name, x in {**inputs, **states}.items())
    return Prepared(cast, None, p, dtype.type(dt))


#: Matrices from neurons to neurons: ``(n, n)``.
_SQUARE = ("recurrent_weights", "g_coupling")


def _check_rows(matrices: dict[str, np.ndarray], state: NamedTuple) -> None:
    """Every matrix has one row per neuron: as many as the state's last axis (unless that
    axis broadcasts), else as the first matrix; neuron-to-neuron matrices are square."""
    try:
        shape = np.broadcast_shapes(*(np.shape(leaf) for _, leaf in _checks._leaves(state)))
    except ValueError:  # (the step's shape check names the state)
        shape = ()
    n, source = (shape[-1], f"the state (shape {shape})") if shape and shape[-1] != 1 \
        else (None, None)
    for name, w in matrices.items():
        if name in _SQUARE and w.shape[0] != w.shape[1]:
            raise ValueError(f"{name} must be square (n, n), got shape {w.shape}")
        if n is None:
            n, source = w.shape[0], f"{name} (shape {w.shape})"
        elif w.shape[0] != n:
            raise ValueError(f"{name} has shape {w.shape}: it must have one row per neuron, "
                             f"{n} as in {source}")


def linear(x: np.ndarray, weights: np.ndarray, x_name: str, w_name: str) -> np.ndarray:
    """``x @ weights.T`` (PyTorch's ``linear`` without bias), with a shape check (and
    the product refused before allocation if it cannot fit)."""
    if x.ndim == 0 or x.shape[-1] != weights.shape[1]:
        raise ValueError(
            f"{w_name} has shape {weights.shape}; its second axis must match the "
            f"last axis of {x_name}, which has shape {x.shape}"
        )
    check_arrays(f"{x_name} @ {w_name}.T", {"the product": (
        x.shape[:-1] + weights.shape[:1], np.result_type(x, weights).itemsize)})
    return x @ weights.T


def check_neuron_shape(p: NamedTuple, *arrays: np.ndarray) -> tuple:
    """Broadcast shape of the step's arrays; parameter arrays must fit into it; the
    step's new arrays (about one per argument, and the spikes) must fit in memory."""
    shape = _checks.broadcast_shape({f"array {k}": a for k, a in enumerate(arrays)})
    _checks.check_broadcast(p, shape, "p")
    check_arrays(f"a step of neuron shape {shape}",
                 {"the new state and outputs": (
                     shape, (len(arrays) + 1) * np.result_type(*arrays).itemsize)})
    return shape
