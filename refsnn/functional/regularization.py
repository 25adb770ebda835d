r"""Accumulating activity for a regularisation term.

A regulariser watches a layer step by step and folds each step's output into
a running regularisation state :math:`r`; the caller later turns :math:`r`
into a penalty in its loss. One step with an *accumulator* :math:`f` is

.. math::
    r_t = f(z_t, s_t, r_{t-1}), \qquad r_{-1} = \text{None},

where :math:`z_t` are the layer's spikes and :math:`s_t` its state after the
step. Two accumulators are provided:

* spike count: :math:`r_t = r_{t-1} + \sum_j z_{t,j}` (sum over every
  element of :math:`z_t`, batch included), starting from :math:`r = 0`;
* voltage sum: :math:`r_t = r_{t-1} + v_t` elementwise, starting from
  zeros shaped like :math:`v_t` (so the first step gives :math:`0 + v_t`,
  which turns a ``-0.0`` voltage into ``+0.0``).

Any callable ``f(z, s, state) -> new state`` can serve as an accumulator.
Accumulators return a new state; neither the previous state nor the
layer's arrays are modified.

The spike count is exact while it stays an integer below :math:`2^{24}`
(float32) or :math:`2^{53}` (float64). For non-integer ``z`` the total
depends on the summation order, which NumPy and PyTorch choose differently,
so results agree with Norse only to rounding.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from refsnn import _checks
from refsnn.functional._elementwise import as_real, total

#: An accumulator maps (spikes, neuron state, regularisation state or None)
#: to the new regularisation state.
Accumulator = Callable[[np.ndarray, Any, Optional[Any]], Any]


def spike_accumulator(z: np.ndarray, _: Any, state: Optional[Any] = None) -> np.ndarray:
    r"""Add this step's spike count to the running count: :math:`r + \sum z`.

    Parameters
    ----------
    z : array_like
        Spikes of one step (any shape; every element is counted).
    _ : any
        The neuron state (unused; present for the accumulator signature).
    state : number or array_like, optional
        The count so far; ``None`` (the default) starts from 0. A Python
        number adopts the sum's dtype; an array is promoted with it.

    Returns
    -------
    ndarray
        ``state + z.sum()``; 0-d unless ``state`` is an array. The sum has
        ``z``'s dtype for float spikes and int64 for bool or integer spikes
        (as in PyTorch); it is promoted with ``state``'s dtype if ``state``
        is an array.
    """
    count = total(as_real(z, "z"))
    if state is None:
        state = 0
    elif not isinstance(state, (int, float)) or isinstance(state, bool):
        # Python numbers stay weakly typed (they adopt the sum's dtype, as in
        # PyTorch); arrays and NumPy scalars take part in dtype promotion.
        state = as_real(state, "state")
    return np.asarray(state + count)


def voltage_accumulator(z: np.ndarray, s: Any, state: Optional[Any] = None) -> np.ndarray:
    r"""Add the membrane voltage to the running sum: :math:`r + v`.

    Parameters
    ----------
    z : array_like
        Spikes of one step (unused).
    s : state with a field ``v``
        The neuron state after the step, e.g. a ``LIFFeedForwardState``.
    state : array_like, optional
        The voltage sum so far; ``None`` (the default) starts from
        ``zeros_like(s.v)``. Its shape must broadcast with that of ``s.v``.

    Returns
    -------
    ndarray
        ``state + s.v``, in the promoted dtype of the two.
    """
    if not hasattr(s, "v"):
        raise TypeError(
            f"s must be a neuron state with a voltage field v, got {type(s).__name__}"
        )
    v = as_real(s.v, "s.v")
    if state is None:
        state = np.zeros_like(v)
    else:
        state = as_real(state, "state")
        _checks.broadcast_shape({"state": state, "s.v": v}, "state and s.v")
    return np.asarray(state + v)


def regularize_step(
    z: np.ndarray,
    s: Any,
    accumulator: Accumulator = spike_accumulator,
    state: Optional[Any] = None,
) -> Tuple[np.ndarray, Any]:
    r"""One regulariser step: pass the spikes on, accumulate :math:`r = f(z, s, r)`.

    Parameters
    ----------
    z : array_like
        Spikes of one step of a layer.
    s : any
        The layer's state after the step.
    accumulator : callable, default :func:`spike_accumulator`
        ``accumulator(z, s, state)`` returns the new regularisation state.
    state : any, optional
        The regularisation state so far (``None`` on the first step).

    Returns
    -------
    z : ndarray
        A copy of the spikes (modifying it leaves the caller's ``z`` intact).
    state : any
        ``accumulator(z, s, state)``.
    """
    if not callable(accumulator):
        raise TypeError(
            f"accumulator must be callable as accumulator(z, s, state), "
            f"got {type(accumulator).__name__}"
        )
    return np.array(z, copy=True), accumulator(z, s, state)
