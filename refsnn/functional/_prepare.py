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
        cast_inputs += tuple(
            _checks.check_matrix(w, None, None, dtype, name) for name, w in weights.items()
        )
    return Prepared(cast_inputs, state, p, dtype.type(dt))


def linear(x: np.ndarray, weights: np.ndarray, x_name: str, w_name: str) -> np.ndarray:
    """``x @ weights.T`` (PyTorch's ``linear`` without bias), with a shape check."""
    if x.ndim == 0 or x.shape[-1] != weights.shape[1]:
        raise ValueError(
            f"{w_name} has shape {weights.shape}; its second axis must match the "
            f"last axis of {x_name}, which has shape {x.shape}"
        )
    return x @ weights.T


def check_neuron_shape(p: NamedTuple, *arrays: np.ndarray) -> tuple:
    """Broadcast shape of the step's arrays; parameter arrays must fit into it."""
    shape = _checks.broadcast_shape({f"array {k}": a for k, a in enumerate(arrays)})
    _checks.check_broadcast(p, shape, "p")
    return shape
