r"""Leaky integrators: LIF dynamics without a threshold.

Model
-----
.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i), \qquad
    \dot i = -\frac{1}{\tau_{\text{syn}}}\, i .

The neuron never spikes; its output is the voltage, which makes it the usual
read-out layer of a spiking network.

Discretisation (forward Euler), in this order:

1. current jump: :math:`i' = i + i_{\text{in}}` (weighted form:
   :math:`i' = i + W_{\text{in}} x`);
2. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,(v_{\text{leak}} - v + i')`;
3. current decay: :math:`i'' = i' - \Delta t\,\tau_{\text{syn}}^{-1}\, i'`.

The output of a step is :math:`v'`.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare


class LIParameters(NamedTuple):
    """Parameters of a leaky integrator.

    Attributes
    ----------
    tau_syn_inv : inverse synaptic time constant
    tau_mem_inv : inverse membrane time constant
    v_leak : leak potential
    """

    tau_syn_inv: float | np.ndarray = 1.0 / 5e-3
    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    v_leak: float | np.ndarray = 0.0


class LIState(NamedTuple):
    """State of a leaky integrator: voltage ``v`` and current ``i``."""

    v: np.ndarray
    i: np.ndarray


def _li_update(i_jump, v, p, dt):
    dv = dt * p.tau_mem_inv * (p.v_leak - v + i_jump)
    v_new = v + dv
    di = -dt * p.tau_syn_inv * i_jump
    return v_new, i_jump + di


def li_feed_forward_update(state, input_current, p, dt):
    r"""One step from a validated state, input, ``p`` and ``dt``: ``(v, LIState)``.

    The arithmetic every backend runs. A recurrent layer's update is the same
    with :math:`W_{\text{in}} x` as ``input_current``.
    """
    v_new, i_new = _li_update(state.i + input_current, state.v, p, dt)
    return v_new, LIState(v=v_new, i=i_new)


def li_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIState,
    p: LIParameters = LIParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIState]:
    """One Euler step of a leaky integrator driven by an input current.

    Returns
    -------
    v : array
        The new voltage (the layer's output).
    state : LIState
    """
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state, LIState,
                             p, LIParameters, dt)
    check_neuron_shape(p, x, s.v, s.i)
    return li_feed_forward_update(s, x, p, dt)


def li_step(
    input_spikes: np.ndarray,
    state: LIState,
    input_weights: np.ndarray,
    p: LIParameters = LIParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIState]:
    """One Euler step of a leaky integrator whose current jumps by ``input_weights @ x``.

    ``input_spikes`` has shape ``(..., n_in)``, ``input_weights`` ``(n, n_in)``
    and the state ``(..., n)``.
    """
    (x, w_in), s, p, dt = prepare({"input_spikes": input_spikes}, state, LIState,
                                  p, LIParameters, dt,
                                  weights={"input_weights": input_weights})
    input_drive = linear(x, w_in, "input_spikes", "input_weights")
    check_neuron_shape(p, input_drive, s.v, s.i)
    return li_feed_forward_update(s, input_drive, p, dt)
